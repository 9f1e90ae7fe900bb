"""Stance v3 synthetic pairs, refuted: a copy of a sentence with one typed detail swapped.

One function per kind of detail (:data:`training.synthetic.REFUTERS` names them): a year
(shifted), a date (day or month changed), a number (changed by a clear factor), a scale
word (million <-> billion), a unit (metres <-> feet), a capitalised name (swapped for a
name of the same document) or a negation (inserted after an auxiliary, or removed). A
detail under a comparison or an approximation ("more than 5 million", "about 1990") is
never touched: a swap under it can keep the claim true. Each returns None when the
sentence has nothing it may swap. Apart from the pair sampling (:mod:`training.synthetic`)
because the swaps are the bulk of the rules and are tested one by one.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Sequence

from training.stance_levers import (
    _MONTH_RE,
    _NEGATION_RE,
    _QUALIFIER_RE,
    MONTHS,
    _context_ok,
    _word_in,
    number_spans,
    numbers_in,
)
from training.synthetic_knowledge import Knowledge, _patterns


def _qualified(text: str, start: int) -> bool:
    """A comparison / approximation word among the three words before ``start``."""
    return _QUALIFIER_RE.search(" ".join(text[:start].split()[-3:])) is not None


def swap_year(s: str, kn: Knowledge, rng: random.Random) -> str | None:
    spans = [
        sp
        for sp in number_spans(s)
        if sp.kind == "year" and _context_ok(s, sp.start, sp.end, allow_month_before=True)
    ]
    if not spans:
        return None
    sp = rng.choice(spans)
    old = int(sp.number or 0)
    have = numbers_in(s)
    deltas = [d for d in range(-12, 13) if d and 1500 <= old + d <= 2025 and old + d not in have]
    if not deltas:
        return None
    return s[: sp.start] + str(old + rng.choice(deltas)) + s[sp.end :]


_MONTHS_ALT = "|".join(MONTHS)
_DAY_MONTH = re.compile(r"\b([1-9]|[12]\d|3[01]) (" + _MONTHS_ALT + r")\b")
_MONTH_DAY = re.compile(r"\b(" + _MONTHS_ALT + r") ([1-9]|[12]\d|3[01])\b(?![\d:])")
# words before a month alone ("in May") that make it a date, not a name or a verb
_MONTH_ONLY_BEFORE = frozenset(
    {"in", "of", "early", "late", "mid", "during", "each", "every", "from", "through"}
    | {"last", "next", "since", "until"}
)


def _date_options(s: str) -> list[tuple[str, int, int, str, int]]:
    """(what, start, end, value, expression start) of every swappable day / month."""
    opts: list[tuple[str, int, int, str, int]] = []
    covered: set[int] = set()
    for m in _DAY_MONTH.finditer(s):
        opts += [("day", m.start(1), m.end(1), m.group(1), m.start())]
        opts += [("month", m.start(2), m.end(2), m.group(2), m.start())]
        covered.add(m.start(2))
    for m in _MONTH_DAY.finditer(s):
        if m.start() == 0:
            continue
        prev = s[: m.start()].split()[-1:]
        if prev and prev[0][:1].isupper() and prev[0].lower() not in _MONTH_ONLY_BEFORE:
            continue  # "Theresa May 5"
        opts += [("month", m.start(1), m.end(1), m.group(1), m.start())]
        opts += [("day", m.start(2), m.end(2), m.group(2), m.start())]
        covered.add(m.start(1))
    for m in _MONTH_RE.finditer(s):
        if m.start() in covered or m.start() == 0:
            continue
        prev = s[: m.start()].split()[-1:]
        nxt = s[m.end() :].split()[:1]
        year_next = bool(nxt) and re.fullmatch(r"\d{4}[.,;)]?", nxt[0]) is not None
        if year_next or (prev and prev[0].lower() in _MONTH_ONLY_BEFORE):
            opts.append(("month", m.start(), m.end(), m.group(1), m.start()))
    return [o for o in opts if not _qualified(s, o[4])]


def swap_date(s: str, kn: Knowledge, rng: random.Random) -> str | None:
    opts = _date_options(s)
    if not opts:
        return None
    what, start, end, value, _ = rng.choice(opts)
    if what == "day":
        new = str(rng.choice([d for d in range(1, 29) if str(d) != value]))
    else:
        months = [m for m in MONTHS if m != value and not _word_in(m, s)]
        if not months:
            return None
        new = rng.choice(months)
    return s[:start] + new + s[end:]


_FACTORS = (0.4, 0.5, 0.6, 0.7, 1.4, 1.5, 1.8, 2.0, 2.5, 3.0)


def _new_number(value: float, kind: str, text: str, have: set[float], rng: random.Random) -> str:
    if kind == "int":
        v = int(value)
        if v < 10:
            cands = [x for x in range(2, 13) if x != v and x not in have]
            return str(rng.choice(cands)) if cands else ""
        digits = str(v)
        zeros = len(digits) - len(digits.rstrip("0"))
        new = round(v * rng.choice(_FACTORS), -zeros if zeros < len(digits) else 0)
        if new < 2 or new == v or new in have or abs(new - v) < 0.1 * v:
            return ""
        return f"{int(new):,}" if "," in text else str(int(new))
    decimals = len(text.split(".")[1]) if "." in text else 0
    new_f = round(value * rng.choice(_FACTORS), decimals)
    if new_f == value or new_f in have or abs(new_f - value) < 0.1 * abs(value) or new_f <= 0:
        return ""
    return f"{new_f:,.{decimals}f}" if "," in text else f"{new_f:.{decimals}f}"


_DASHES = "-\u2013\u2014"  # hyphen, en dash, em dash
_RANGE_BEFORE = re.compile(r"(?:\d\s*(?:--|[" + _DASHES + r"])|[" + _DASHES + r"/])\s*$")
_RANGE_AFTER = re.compile(r"^\s*(?:--|[" + _DASHES + r"/])")


def _plain_number(s: str, start: int, end: int) -> bool:
    """Not a day ("May 5", "5 May"), not an end of a range ("2015-16", "1 -- 3"), not a
    number directly after another one ("2015 16 season")."""
    before, after = s[:start], s[end:]
    prev = before.split()[-1:]
    nxt = after.split()[:1]
    if prev and (_MONTH_RE.fullmatch(prev[0].strip(",")) or prev[0].rstrip(",").isdigit()):
        return False
    if nxt and _MONTH_RE.match(nxt[0]):
        return False
    return not (_RANGE_BEFORE.search(before) or _RANGE_AFTER.match(after))


def swap_number(s: str, kn: Knowledge, rng: random.Random) -> str | None:
    have = numbers_in(s)
    spans = [
        sp
        for sp in number_spans(s)
        if sp.kind in ("int", "dec")
        and (sp.number or 0) >= 2
        and _context_ok(s, sp.start, sp.end, allow_month_before=False)
        and _plain_number(s, sp.start, sp.end)
    ]
    rng.shuffle(spans)
    for sp in spans:
        new = _new_number(sp.number or 0.0, sp.kind, sp.value, have, rng)
        percent = s[sp.end : sp.end + 1] == "%" or s[sp.end :].startswith((" per cent", " percent"))
        if new and not (percent and float(new.replace(",", "")) > 100):
            return s[: sp.start] + new + s[sp.end :]
    return None


def _same_case(new: str, like: str) -> str:
    return new.capitalize() if like[:1].isupper() else new


def swap_scale(s: str, kn: Knowledge, rng: random.Random) -> str | None:
    ms = [m for m in _patterns(kn).scale.finditer(s) if not _qualified(s, m.start())]
    if not ms:
        return None
    m = rng.choice(ms)
    word = m.group(2)
    new = rng.choice(kn.scale[word.lower()])
    return s[: m.start(2)] + _same_case(new, word) + s[m.end(2) :]


def swap_unit(s: str, kn: Knowledge, rng: random.Random) -> str | None:
    pat = _patterns(kn)
    opts = []
    for m in pat.unit.finditer(s):
        if _qualified(s, m.start()):
            continue
        word = m.group(3)
        dim = kn.unit_dimension.get(word.lower(), "")
        if not dim:
            continue
        # a second measurement of that dimension is a conversion ("100 metres (330 ft)")
        others = [o for o in pat.dimension[dim].finditer(s) if not m.start() <= o.start() < m.end()]
        if others:
            continue
        partners = [p for p in kn.unit_swaps[word.lower()] if not _word_in(p, s)]
        if partners:
            opts.append((m, word, partners))
    if not opts:
        return None
    m, word, partners = rng.choice(opts)
    return s[: m.start(3)] + _same_case(rng.choice(partners), word) + s[m.end(3) :]


_TOKEN = re.compile(r"\S+")
_INITIAL = re.compile(r"[A-Z]\.")
_OPEN = "(\"'\u201c\u2018["  # opening brackets and quotes
_CLOSE = ",.;:)\"'\u201d\u2019]!?"
_POSSESSIVE = ("'s", "\u2019s")


def name_runs(s: str, kn: Knowledge) -> list[tuple[int, int, str]]:
    """(start, end, text) of runs of capitalised words (initials included), not at the
    sentence start, up to ``name_max_words`` words; stop words break a run."""
    runs: list[tuple[int, int, str]] = []
    cur: list[tuple[int, int, bool]] = []  # (start, end, broken after)
    toks = list(_TOKEN.finditer(s))
    first = toks[0].group(0) if toks else ""
    # "The X ...", "RESULTS X ..." (an abstract's section heading): X is the subject
    subject_end = 2 if first in ("The", "A", "An") or (len(first) > 3 and first.isupper()) else 1

    def flush() -> None:
        if cur and len(cur) <= kn.name_max_words:
            start, end = cur[0][0], cur[-1][1]
            runs.append((start, end, s[start:end]))
        cur.clear()

    for i, m in enumerate(toks):
        raw = m.group(0)
        if i >= subject_end and _INITIAL.fullmatch(raw):
            if cur and cur[-1][2]:
                flush()
            cur.append((m.start(), m.end(), False))
            continue
        lead = len(raw) - len(raw.lstrip(_OPEN))
        core = raw[lead:].rstrip(_CLOSE)
        broken = len(core) + lead < len(raw)
        if core.endswith(_POSSESSIVE):
            core, broken = core[:-2], True
        is_name = (
            i >= subject_end
            and len(core) >= 2
            and core[0].isupper()
            and core.replace("-", "").replace(".", "").isalpha()
            and core not in kn.name_stopwords
            and not (len(core) > 5 and core.isupper())  # a heading, not a name
        )
        if not is_name:
            flush()
            continue
        if cur and (lead or cur[-1][2]):
            flush()
        start = m.start() + lead
        cur.append((start, start + len(core), broken))
        if broken:
            flush()
    flush()
    return runs


def swap_name(s: str, kn: Knowledge, rng: random.Random, pool: Sequence[str] = ()) -> str | None:
    """One capitalised name swapped for a name of the same length (in words) taken from
    the other sentences of the document (``pool``)."""
    runs = name_runs(s, kn)
    if not runs or not pool:
        return None
    by_len: dict[int, list[str]] = defaultdict(list)
    for name in pool:
        by_len[len(name.split())].append(name)
    order = list(range(len(runs)))
    rng.shuffle(order)
    for i in order:
        start, end, text = runs[i]
        words = set(text.lower().split())
        cands = [
            n
            for n in by_len.get(len(text.split()), [])
            if not (set(n.lower().split()) & words) and not _word_in(n, s)
        ]
        if cands:
            return s[:start] + rng.choice(cands) + s[end:]
    return None


def _participle(word: str) -> bool:
    return word == "been" or word.endswith(("ed", "en", "wn", "un", "ht", "ne"))


def toggle_negation(s: str, kn: Knowledge, rng: random.Random) -> str | None:
    """Remove the one negation of the sentence, or insert "not" after its first auxiliary."""
    pat = _patterns(kn)
    if pat.blockers.search(s):
        return None
    found = (
        [("aux", m) for m in pat.aux_not.finditer(s)]
        + [("contraction", m) for m in pat.contraction.finditer(s)]
        + [("adverb", m) for m in pat.adverb.finditer(s)]
    )
    if found:
        if len(found) > 1:
            return None
        what, m = found[0]
        rest = s[: m.start()] + s[m.end() :]
        if _NEGATION_RE.search(rest):
            return None  # a second negation ("no", "without"): removing one is unclear
        if what == "aux":
            return s[: m.start()] + m.group(1) + s[m.end() :]
        if what == "contraction":
            aux = kn.contractions[m.group(1).lower()]
            return s[: m.start()] + _same_case(aux, m.group(1)) + s[m.end() :]
        out = s[: m.start()] + s[m.end() :]
        return out[:1].upper() + out[1:] if m.start() == 0 else out
    if _NEGATION_RE.search(s):
        return None
    for m in pat.aux_word.finditer(s):
        aux, nxt = m.group(1), m.group(2)
        low = nxt.lower()
        if low in kn.insert_blockers:
            return None  # "is also", "was considered": the first auxiliary decides
        if aux in kn.perfect_auxiliaries and not _participle(low):
            continue  # "has two children" (a main verb)
        if (aux in kn.do_auxiliaries or aux not in ("is", "are", "was", "were")) and (
            low in kn.determiners or not nxt.islower()
        ):
            continue  # "did the work"
        return s[: m.end(1)] + " not" + s[m.end(1) :]
    return None
