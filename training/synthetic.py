"""Stance v3 synthetic pairs: claims made from the evidence sentences of the train files.

Every pair is (claim, evidence sentence) where the claim is built from a sentence of a
training file's evidence and the evidence is that sentence or one of its document:

* refuted: a copy of the sentence with one typed detail swapped: a year (shifted), a date
  (day or month changed), a number (changed by a clear factor), a scale word (million <->
  billion), a unit (metres <-> feet, days <-> weeks), a capitalised name (swapped for
  another name of the same document's sentences) or a negation (inserted after an
  auxiliary, or removed). Comparisons and approximations ("more than 5 million", "about
  1990") are never touched: a swap under them can keep the claim true.
* supported: the sentence itself, or a coarser claim: the sentence without its
  parentheticals, without a trailing clause, without a trailing time detail, or with a
  full date cut to its year ("on 20 July 1969" -> "in 1969").
* not_enough_info: one sentence as the claim, another sentence of the same document or
  page that shares a content word but little else as the evidence (never a revision of
  the claim's sentence: same VitaminC case, or content-word Jaccard above a bound).

The world knowledge (scale words, units, auxiliaries, name stop words, clause starts) is
in ``training/data/synthetic_knowledge.json``. Each kind draws from its own seeded
generator and the selection is seeded, so the output is a function of the inputs.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from training.common import content_words, jaccard, normalize_text
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

KNOWLEDGE_FILE = Path(__file__).resolve().parent / "data" / "synthetic_knowledge.json"

REFUTE_KINDS: tuple[str, ...] = ("year", "date", "number", "scale", "unit", "name", "negation")
SUPPORT_KINDS: tuple[str, ...] = ("identity", "coarser")
NEI_KINDS: tuple[str, ...] = ("same_doc",)
LABEL_OF_KIND: dict[str, str] = {
    **dict.fromkeys(REFUTE_KINDS, "refuted"),
    **dict.fromkeys(SUPPORT_KINDS, "supported"),
    **dict.fromkeys(NEI_KINDS, "not_enough_info"),
}
# Shares of the synthetic total per label and, inside a label, per kind. A kind with too
# few candidates leaves its quota to the other kinds of its label.
LABEL_SHARES: dict[str, float] = {"refuted": 0.5, "supported": 0.25, "not_enough_info": 0.25}
KIND_SHARES: dict[str, float] = {
    "year": 0.16,
    "date": 0.08,
    "number": 0.16,
    "scale": 0.04,
    "unit": 0.04,
    "name": 0.32,
    "negation": 0.12,  # mostly insertions: kept small so "not" alone does not mean refuted
    "identity": 0.35,
    "coarser": 0.65,
    "same_doc": 1.0,
}
LEFTOVER_CAP = 1.5  # a kind fills the quota others left, up to this multiple of its own
MAX_PER_SENTENCE: dict[str, int] = {"refuted": 2, "supported": 2, "not_enough_info": 1}
MIN_WORDS, MAX_WORDS = 6, 45
# not_enough_info partners: share a content word, little else
NEI_MAX_JACCARD = 0.3
NEI_MAX_CLAIM_COVERAGE = 0.5
NEI_MAX_PARTNERS_SCANNED = 60


def text_key(text: str) -> str:
    """The normalised form claims are deduplicated on: lower case, alphanumeric runs."""
    return " ".join(re.findall(r"[a-z0-9]+", normalize_text(text).lower()))


# ---- world knowledge ---------------------------------------------------------------------


def _symmetric(pairs: Iterable[Sequence[str]]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = defaultdict(list)
    for a, b in pairs:
        out[a].append(b)
        out[b].append(a)
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


@dataclass(frozen=True)
class Knowledge:
    scale: dict[str, tuple[str, ...]]
    unit_swaps: dict[str, tuple[str, ...]]
    unit_dimension: dict[str, str]
    dimension_forms: dict[str, tuple[str, ...]]
    auxiliaries: frozenset[str]
    perfect_auxiliaries: frozenset[str]
    do_auxiliaries: frozenset[str]
    contractions: dict[str, str]
    removable_adverbs: frozenset[str]
    insert_blockers: frozenset[str]
    determiners: frozenset[str]
    negation_blockers: tuple[str, ...]
    name_stopwords: frozenset[str]
    name_max_words: int
    clause_starts: frozenset[str]
    min_tail_words_for_and: int

    @classmethod
    def load(cls, path: Path = KNOWLEDGE_FILE) -> Knowledge:
        raw = json.loads(path.read_text(encoding="utf-8"))
        units = raw["units"]
        unit_swaps: dict[str, tuple[str, ...]] = {}
        unit_dimension: dict[str, str] = {}
        forms: dict[str, tuple[str, ...]] = {}
        for dim, spec in units.items():
            swaps = _symmetric(spec["swaps"])
            for word, partners in swaps.items():
                unit_swaps[word] = tuple(dict.fromkeys((*unit_swaps.get(word, ()), *partners)))
                unit_dimension.setdefault(word, dim)
            forms[dim] = tuple(dict.fromkeys([*swaps, *spec["abbreviations"]]))
        neg = raw["negation"]
        names = raw["names"]
        coarser = raw["coarser"]
        return cls(
            scale=_symmetric(raw["scale_words"]),
            unit_swaps=unit_swaps,
            unit_dimension=unit_dimension,
            dimension_forms=forms,
            auxiliaries=frozenset(neg["auxiliaries"]),
            perfect_auxiliaries=frozenset(neg["perfect_auxiliaries"]),
            do_auxiliaries=frozenset(neg["do_auxiliaries"]),
            contractions=dict(neg["contractions"]),
            removable_adverbs=frozenset(neg["removable_adverbs"]),
            insert_blockers=frozenset(neg["insert_blockers"]),
            determiners=frozenset(neg["determiners"]),
            negation_blockers=tuple(neg["blockers"]),
            name_stopwords=frozenset(names["stopwords"]),
            name_max_words=int(names["max_words"]),
            clause_starts=frozenset(coarser["trailing_clause_starts"]),
            min_tail_words_for_and=int(coarser["min_tail_words_for_and"]),
        )


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


class _Patterns:
    """Regular expressions built once from the knowledge."""

    def __init__(self, kn: Knowledge) -> None:
        number = r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
        self.scale = re.compile(number + r"\s+(" + _alternation(kn.scale) + r")\b", re.I)
        self.unit = re.compile(number + r"(\s|-)(" + _alternation(kn.unit_swaps) + r")(?![\w/])")
        self.dimension = {
            dim: re.compile(r"\d\s?-?(?:" + _alternation(forms) + r")(?![\w/])")
            for dim, forms in kn.dimension_forms.items()
        }
        aux = _alternation(kn.auxiliaries)
        self.aux_not = re.compile(r"\b(" + aux + r") not\b")
        self.contraction = re.compile(r"\b(" + _alternation(kn.contractions) + r")(?!\w)", re.I)
        self.adverb = re.compile(r"\b(" + _alternation(kn.removable_adverbs) + r") ", re.I)
        self.aux_word = re.compile(r"\b(" + aux + r") ([A-Za-z][\w'-]*)")
        self.blockers = re.compile(
            r"\b(" + "|".join(re.escape(b) for b in kn.negation_blockers) + r")\b", re.I
        )


_PATTERNS: dict[int, _Patterns] = {}


def _patterns(kn: Knowledge) -> _Patterns:
    key = id(kn)
    if key not in _PATTERNS:
        _PATTERNS[key] = _Patterns(kn)
    return _PATTERNS[key]


def _qualified(text: str, start: int) -> bool:
    """A comparison / approximation word among the three words before ``start``."""
    return _QUALIFIER_RE.search(" ".join(text[:start].split()[-3:])) is not None


_GLUED = re.compile(r"[a-z0-9)]\.[A-Z][a-z]")  # "...May 3.On April 22": two sentences


def eligible(sentence: str) -> bool:
    """A sentence worth turning into claims: a plain statement of moderate length."""
    n = len(sentence.split())
    return (
        MIN_WORDS <= n <= MAX_WORDS
        and sentence.endswith(".")
        and (sentence[:1].isupper() or sentence[:1].isdigit())
        and not sentence.startswith(("Q:", "A:"))
        and "|" not in sentence
        and sentence.count('"') % 2 == 0
        and sentence.count("(") == sentence.count(")")
        and not _GLUED.search(sentence)
    )


# ---- (a) refuted: one typed detail swapped ------------------------------------------------


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


# ---- (b) supported: the sentence itself, or a coarser claim --------------------------------

_PAREN = re.compile(r"\s*\([^()]{1,200}\)")
_DAY = r"(?:[1-9]|[12]\d|3[01])"
_DATE_ON = re.compile(rf"\bon (?:{_DAY} )?({_MONTHS_ALT})(?: {_DAY})?,? (\d{{4}})\b")
_DATE_IN_MONTH = re.compile(r"\bin (" + _MONTHS_ALT + r") (\d{4})\b")
_TRAILING_TIME = re.compile(
    r",? (?:in|on|during) (?:(?:early|late|mid-?) ?)?(?:(?:[1-9]|[12]\d|3[01]) )?"
    r"(?:(?:" + _MONTHS_ALT + r") )?(?:(?:[1-9]|[12]\d|3[01]),? )?\d{4}\.$"
)


def _balanced(text: str) -> bool:
    return text.count("(") == text.count(")") and text.count('"') % 2 == 0


def _long_enough(text: str) -> bool:
    return len(text.split()) >= MIN_WORDS


def coarser_claims(s: str, kn: Knowledge) -> list[tuple[str, str]]:
    """(sub-kind, claim) of every coarser claim the sentence entails."""
    out: list[tuple[str, str]] = []
    no_paren = normalize_text(_PAREN.sub("", s))
    if no_paren != s and _long_enough(no_paren) and _balanced(no_paren):
        out.append(("paren", no_paren))
    date = _DATE_ON.sub(lambda m: f"in {m.group(2)}", s)
    date = _DATE_IN_MONTH.sub(lambda m: f"in {m.group(2)}", date)
    if date != s:
        out.append(("date", date))
    time = _TRAILING_TIME.sub(".", s)
    if time != s and _long_enough(time) and _balanced(time):
        out.append(("time", time))
    cut = s.rfind(", ")
    if cut > 0:
        head, tail = s[:cut], s[cut + 2 :].split()
        first = tail[0].lower().strip(_OPEN) if tail else ""
        ok = first in kn.clause_starts or (
            first.endswith("ing") and first.isalpha() and tail[0].islower()
        )
        if first in ("and", "but") and len(tail) < kn.min_tail_words_for_and:
            ok = False
        last = head.split()[-1].lower() if head.split() else ""
        if ok and _long_enough(head) and _balanced(head) and last not in kn.clause_starts:
            out.append(("clause", head + "."))
    return out


# ---- (c) not_enough_info: another sentence of the same document ---------------------------


def nei_partner(
    i: int,
    sentences: Sequence[str],
    words: Sequence[set[str]],
    cases: Sequence[str],
    rng: random.Random,
) -> str | None:
    """A sentence of the document sharing a content word with sentence ``i`` and little
    else, never a revision of it (same case, Jaccard above the bound)."""
    cw = words[i]
    if not cw:
        return None
    order = [j for j in range(len(sentences)) if j != i]
    rng.shuffle(order)
    best: list[tuple[int, int]] = []
    for j in order[:NEI_MAX_PARTNERS_SCANNED]:
        if cases[i] and cases[i] == cases[j]:
            continue
        shared = len(cw & words[j])
        if not shared or shared / len(cw) > NEI_MAX_CLAIM_COVERAGE:
            continue
        if jaccard(cw, words[j]) > NEI_MAX_JACCARD:
            continue
        best.append((shared, j))
    if not best:
        return None
    best.sort(key=lambda t: -t[0])
    return sentences[rng.choice(best[:3])[1]]


# ---- documents ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Doc:
    """The sentences of one document / page (``cases``: revision group per sentence)."""

    key: str
    dataset: str
    sentences: tuple[str, ...]
    cases: tuple[str, ...]


def fever_passages(raw: str) -> list[tuple[str, str]]:
    """(page title, sentence) of a FEVER-NLI evidence string: ``Title . sentence . Title2 .
    sentence2 .`` (a chunk of at most 6 words followed by another chunk is a title)."""
    chunks = [c.strip() for c in raw.strip().removesuffix(" .").split(" . ") if c.strip()]
    out: list[tuple[str, str]] = []
    title = ""
    for k, chunk in enumerate(chunks):
        if len(chunk.split()) <= 6 and k + 1 < len(chunks):
            title = normalize_text(chunk)
            continue
        out.append((title, normalize_text(chunk + " .")))
    return out


def _doc_key(row: dict[str, Any], dataset: str) -> str:
    if dataset.startswith("vitaminc") and row.get("page"):
        return "page:" + normalize_text(str(row["page"])).lower()
    if dataset == "covid-fact" and row.get("claim_source"):
        return "source:" + str(row["claim_source"])
    if dataset == "scifact" and row.get("doc_ids"):
        return "doc:" + ",".join(str(d) for d in row["doc_ids"])
    return "row:" + str(row.get("id"))


def docs_from_rows(rows: Iterable[dict[str, Any]], dataset: str) -> list[Doc]:
    """The documents of one dataset's rows, sentences unique per document, in row order."""
    groups: dict[str, dict[str, str]] = {}
    for r in rows:
        case = str(r.get("case_id") or "")
        if dataset == "fever-nli-binary":
            for ev in r["evidence"]:
                for title, sent in fever_passages(ev):
                    key = f"title:{title.lower()}" if title else f"row:{r.get('id')}"
                    groups.setdefault(key, {}).setdefault(sent, case)
            continue
        key = _doc_key(r, dataset)
        for ev in r["evidence"]:
            if ev and ev.strip():
                groups.setdefault(key, {}).setdefault(normalize_text(ev), case)
    return [Doc(key, dataset, tuple(sents), tuple(sents.values())) for key, sents in groups.items()]


# ---- assembly ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SynthPair:
    claim: str
    evidence: str
    label: str
    kind: str  # year | ... | negation | identity | coarser-<sub> | same_doc


RefuteFn = Callable[[str, Knowledge, random.Random], str | None]
REFUTERS: dict[str, RefuteFn] = {
    "year": swap_year,
    "date": swap_date,
    "number": swap_number,
    "scale": swap_scale,
    "unit": swap_unit,
    "negation": toggle_negation,
}


def sentence_pairs(
    doc: Doc,
    i: int,
    names: Sequence[Sequence[tuple[int, int, str]]],
    words: Sequence[set[str]],
    kn: Knowledge,
    rngs: dict[str, random.Random],
) -> list[SynthPair]:
    """Every candidate pair of sentence ``i`` of ``doc``: one per refuting kind that
    applies, the identity, one coarser claim, one same-document not_enough_info pair."""
    s = doc.sentences[i]
    made: list[SynthPair] = []
    for kind, fn in REFUTERS.items():
        claim = fn(s, kn, rngs[kind])
        if claim and claim != s:
            made.append(SynthPair(normalize_text(claim), s, "refuted", kind))
    pool = [n for j, runs in enumerate(names) if j != i for _a, _b, n in runs]
    named = swap_name(s, kn, rngs["name"], pool)
    if named and named != s:
        made.append(SynthPair(normalize_text(named), s, "refuted", "name"))
    made.append(SynthPair(s, s, "supported", "identity"))
    coarse = coarser_claims(s, kn)
    if coarse:
        sub, claim = rngs["coarser-pick"].choice(coarse)
        made.append(SynthPair(normalize_text(claim), s, "supported", f"coarser-{sub}"))
    partner = nei_partner(i, doc.sentences, words, doc.cases, rngs["same_doc"])
    if partner is not None:
        made.append(SynthPair(s, partner, "not_enough_info", "same_doc"))
    return made


def candidates(
    docs: Sequence[Doc], kn: Knowledge, seed: int | str, blocked: frozenset[str] | set[str]
) -> tuple[dict[str, list[tuple[int, SynthPair]]], dict[str, int]]:
    """Every candidate pair per kind, as (source sentence id, pair); sentences whose key is
    ``blocked`` (dev / evaluation text) are never used, nor claims whose key is."""
    rngs = {k: random.Random(f"{seed}:synthetic:{k}") for k in (*KIND_SHARES, "coarser-pick")}
    out: dict[str, list[tuple[int, SynthPair]]] = defaultdict(list)
    stats: Counter[str] = Counter()
    seen: set[str] = set()
    for doc in docs:
        names = [name_runs(s, kn) for s in doc.sentences]
        words = [content_words(s) for s in doc.sentences]
        for i, s in enumerate(doc.sentences):
            stats["sentences"] += 1
            if s in seen:
                stats["duplicate"] += 1
                continue
            seen.add(s)
            if not eligible(s):
                stats["ineligible"] += 1
                continue
            if text_key(s) in blocked:
                stats["blocked_sentence"] += 1
                continue
            stats["used"] += 1
            for p in sentence_pairs(doc, i, names, words, kn, rngs):
                if text_key(p.claim) in blocked:
                    stats["blocked_claim"] += 1
                    continue
                out[p.kind.split("-")[0]].append((stats["used"], p))
    return dict(out), dict(stats)


@dataclass
class _Fill:
    """The pairs of one label being chosen (see :func:`select`)."""

    label: str
    want: int
    pools: dict[str, list[tuple[int, SynthPair]]]
    seen_pairs: set[tuple[str, str]]
    chosen: list[SynthPair]
    taken: Counter[str] = field(default_factory=Counter)
    pos: Counter[str] = field(default_factory=Counter)
    per_sentence: Counter[int] = field(default_factory=Counter)

    def take(self, kind: str, limit: int) -> None:
        pool = self.pools[kind]
        while self.taken[kind] < limit and self.pos[kind] < len(pool) and self.full < self.want:
            sid, p = pool[self.pos[kind]]
            self.pos[kind] += 1
            key = (p.claim, p.evidence)
            if self.per_sentence[sid] >= MAX_PER_SENTENCE[self.label] or key in self.seen_pairs:
                continue
            self.per_sentence[sid] += 1
            self.seen_pairs.add(key)
            self.chosen.append(p)
            self.taken[kind] += 1

    @property
    def full(self) -> int:
        return sum(self.taken.values())

    def left(self, kind: str) -> bool:
        return self.pos[kind] < len(self.pools[kind])


def select(
    cands: dict[str, list[tuple[int, SynthPair]]],
    total: int,
    seed: int | str,
    label_shares: dict[str, float] | None = None,
    kind_shares: dict[str, float] | None = None,
) -> tuple[list[SynthPair], dict[str, Any]]:
    """``total`` pairs split by label and kind shares; a kind short of candidates leaves
    its quota to the others of its label; at most ``MAX_PER_SENTENCE`` per source
    sentence and label; (claim, evidence) pairs unique."""
    label_shares = label_shares or LABEL_SHARES
    kind_shares = kind_shares or KIND_SHARES
    rng = random.Random(f"{seed}:synthetic:select")
    chosen: list[SynthPair] = []
    seen_pairs: set[tuple[str, str]] = set()
    report: dict[str, Any] = {"candidates": {k: len(v) for k, v in sorted(cands.items())}}
    for label, kinds in (
        ("refuted", REFUTE_KINDS),
        ("supported", SUPPORT_KINDS),
        ("not_enough_info", NEI_KINDS),
    ):
        want = round(total * label_shares[label])
        pools = {k: list(cands.get(k, [])) for k in kinds}
        for k in kinds:
            rng.shuffle(pools[k])
        fill = _Fill(label, want, pools, seen_pairs, chosen)
        norm = sum(kind_shares[k] for k in kinds)
        quota = {k: round(want * kind_shares[k] / norm) for k in kinds}
        # the scarcest kinds first, so the per-sentence cap does not starve them
        for k in sorted(kinds, key=lambda k: len(pools[k]) / max(1, quota[k])):
            fill.take(k, quota[k])
        # the rest round-robin, a few at a time, no kind beyond LEFTOVER_CAP x its quota
        cap = {k: max(quota[k], int(LEFTOVER_CAP * quota[k])) for k in kinds}
        while fill.full < want and any(fill.left(k) and fill.taken[k] < cap[k] for k in kinds):
            for k in kinds:
                fill.take(k, min(cap[k], fill.taken[k] + 64))
        report[label] = {"wanted": want, "taken": dict(fill.taken), "quota": quota}
    chosen.sort(key=lambda p: (p.label, p.kind, p.claim, p.evidence))
    rng.shuffle(chosen)
    report["total"] = len(chosen)
    report["kinds"] = dict(Counter(p.kind for p in chosen))
    return chosen, report


def make_synthetic(
    docs: Sequence[Doc],
    total: int,
    *,
    seed: int | str,
    blocked: frozenset[str] | set[str] = frozenset(),
    kn: Knowledge | None = None,
) -> tuple[list[SynthPair], dict[str, Any]]:
    """Candidates of every kind from ``docs``, then ``total`` of them (:func:`select`)."""
    kn = kn or Knowledge.load()
    cands, stats = candidates(docs, kn, seed, blocked)
    pairs, report = select(cands, total, seed)
    report["sentences"] = stats
    report["documents"] = len(docs)
    return pairs, report
