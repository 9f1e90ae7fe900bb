"""Mismatch signals between a claim and one evidence sentence: numbers, years, dates, names.

A cross-encoder reads "mayor since 2020" against "mayor since January 2024" as two
sentences about the same thing and often calls it support. These signals say what differs
in a way a model of 22 M parameters misses: the sentence states a year, a number, a month
or a name of the same kind, but not the claim's. They are inputs to the claim-level
decision (:mod:`workers.verification.decision`), which learns on dev files how much each
one weighs; they never decide alone.

Month names and number words are data (``data/mismatch.json``), not code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from workers.retrieval_words import has_negation, is_year, numbers, proper_nouns, stem, words

_DATA = Path(__file__).resolve().parent / "data" / "mismatch.json"
_MAY = re.compile(r"\bMay\b(?=\s+\d|\s+of\b)|(?<=\d\s)May\b")


@dataclass(frozen=True)
class Mismatch:
    """How a sentence differs from the claim; each field is 0 or 1 except the coverage."""

    year: float
    """The claim names a year the sentence does not, and the sentence names another."""
    number: float
    """The same for other numbers (counts, amounts, percentages, number words)."""
    month: float
    """The same for month names."""
    name: float
    """The claim names someone or something (capitalised) the sentence does not, and the
    sentence names someone else."""
    negation: float
    """Exactly one of the two is negated."""
    name_coverage: float
    """Share of the claim's names that the sentence mentions (1 when the claim has none)."""
    slot_year: float = 0.0
    """The claim and the sentence fill the same slot ("since ...", "in ...") with different
    years, and the sentence has none of the claim's years: a contradiction, not a gap."""


@cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_DATA.read_text(encoding="utf-8"))
    return data


def _vocabulary() -> tuple[dict[str, int], dict[str, str]]:
    data = _data()
    return data["months"], data["number_words"]


@cache
def _bounded() -> re.Pattern[str]:
    """A bound or estimate and the number after it ("before 2015", "less than 22")."""
    words = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in _data()["bounds"])
    return re.compile(rf"\b(?:{words})\s+(?:the\s+)?(?:end\s+of\s+)?[\d,.]+", re.IGNORECASE)


@cache
def _slot() -> re.Pattern[str]:
    """An anchor word, then up to three words (a day, a month), then a year."""
    anchors = "|".join(re.escape(w) for w in _data()["slot_anchors"])
    return re.compile(rf"\b({anchors})\s+(?:[\w,]+\s+){{0,3}}?(\d{{4}})\b", re.IGNORECASE)


def _slots(text: str) -> dict[str, set[str]]:
    """anchor -> the years that follow it ("since January 2024" -> {"since": {"2024"}})."""
    found: dict[str, set[str]] = {}
    for match in _slot().finditer(text):
        if is_year(match.group(2)):
            found.setdefault(match.group(1).lower(), set()).add(match.group(2))
    return found


def _slot_conflict(claim: str, sentence: str, sentence_years: set[str]) -> float:
    claim_slots, sentence_slots = _slots(claim), _slots(sentence)
    for anchor, years in claim_slots.items():
        other = sentence_slots.get(anchor, set())
        if other and not years & sentence_years:
            return 1.0
    return 0.0


def _months(text: str) -> set[int]:
    months, _ = _vocabulary()
    found = {months[t] for t in words(text) if t in months}
    if _MAY.search(text):
        found.add(5)
    return found


def _numbers(text: str) -> tuple[set[str], set[str]]:
    """(years, other numbers) written with digits or as number words; bounds ("before
    2015", "less than 22") are left out."""
    text = _bounded().sub(" ", text)
    _, number_words = _vocabulary()
    found = numbers(text) | {number_words[t] for t in words(text) if t in number_words}
    years = {n for n in found if is_year(n)}
    return years, found - years


def _differs(claim: set[str] | set[int], sentence: set[str] | set[int]) -> float:
    return 1.0 if claim and sentence and not claim <= sentence else 0.0


def mismatch(claim: str, sentence: str) -> Mismatch:
    """The mismatch signals of one (claim, sentence) pair."""
    claim_years, claim_numbers = _numbers(claim)
    sentence_years, sentence_numbers = _numbers(sentence)
    claim_names, sentence_names = proper_nouns(claim), proper_nouns(sentence)
    months = set(_vocabulary()[0])
    claim_names = {n for n in claim_names if n not in months}
    sentence_names = {n for n in sentence_names if n not in months}
    mentioned = _stems(sentence)
    covered = sum(1 for n in claim_names if n in mentioned)
    missing = len(claim_names) - covered
    return Mismatch(
        year=_differs(claim_years, sentence_years),
        number=_differs(claim_numbers, sentence_numbers | sentence_years),
        month=_differs(_months(claim), _months(sentence)),
        name=1.0 if missing and sentence_names - claim_names else 0.0,
        negation=1.0 if has_negation(claim) != has_negation(sentence) else 0.0,
        name_coverage=covered / len(claim_names) if claim_names else 1.0,
        slot_year=_slot_conflict(claim, sentence, sentence_years),
    )


def _stems(text: str) -> set[str]:
    return {stem(t) for t in words(text)}
