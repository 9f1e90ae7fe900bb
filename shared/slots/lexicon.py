"""The world knowledge typed slots read: units, scales, currencies, number words, calendar
words, negation cues and antonyms, each a JSON file in ``data/``, read once per process."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

_DATA = Path(__file__).resolve().parent / "data"


def _read(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((_DATA / name).read_text(encoding="utf-8"))
    return data


def alternation(phrases: object) -> str:
    """A regex alternation of ``phrases``, longest first, spaces matching any white space."""
    items = sorted({str(p) for p in phrases}, key=len, reverse=True)  # type: ignore[attr-defined]
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in items)


@dataclass(frozen=True)
class Unit:
    dimension: str
    factor: float
    """Multiplier to the dimension's base unit."""


@dataclass(frozen=True)
class Lexicon:
    number_words: dict[str, float]
    ordinals: dict[str, int]
    scales: dict[str, float]
    suffix_scales: frozenset[str]
    """Scale abbreviations read only glued to a currency amount ("$5bn")."""
    currency_symbols: dict[str, str]
    currency_words: dict[str, str]
    percent: tuple[str, ...]
    units: dict[str, Unit]
    operators: dict[str, str]
    operator_symbols: dict[str, str]
    exact_tolerance: float
    approximate_tolerance: float
    superscripts: dict[str, str]
    months: dict[str, int]
    month_qualifiers: tuple[str, ...]
    date_anchors: dict[str, str]
    count_nouns: frozenset[str]
    negations: tuple[str, ...]
    antonyms: dict[str, frozenset[str]]
    """word -> the words that reverse it."""
    negative_words: frozenset[str]
    """Words that say no without a negation ("banned", "against", "ineffective")."""
    related_names: frozenset[frozenset[str]]
    """Pairs of folded names that never contradict each other ("british", "english")."""


@cache
def lexicon() -> Lexicon:
    q, d, p = _read("quantities.json"), _read("dates.json"), _read("polarity.json")
    related = {
        frozenset({a.casefold(), b.casefold()})
        for group in _read("names.json")["broader"]
        for a in group[:1]
        for b in group[1:]
    } | {
        frozenset({a.casefold(), b.casefold()})
        for group in _read("names.json")["broader"]
        for a in group[1:]
        for b in group[1:]
        if a != b
    }
    units = {
        name.lower(): Unit(dimension, float(factor))
        for dimension, table in q["units"].items()
        for name, factor in table.items()
    }
    antonyms: dict[str, set[str]] = {}
    for a, b in p["antonyms"]:
        antonyms.setdefault(a, set()).add(b)
        antonyms.setdefault(b, set()).add(a)
    return Lexicon(
        number_words={k: float(v) for k, v in q["number_words"].items()},
        ordinals={k: int(v) for k, v in q["ordinals"].items()},
        scales={k: float(v) for k, v in q["scales"].items()},
        suffix_scales=frozenset(q["scale_suffix_only_with_currency"]),
        currency_symbols=dict(q["currencies"]["symbols"]),
        currency_words=dict(q["currencies"]["words"]),
        percent=tuple(q["percent"]),
        units=units,
        operators=dict(q["operators"]),
        operator_symbols=dict(q["operator_symbols"]),
        exact_tolerance=float(q["tolerance"]["exact"]),
        approximate_tolerance=float(q["tolerance"]["approximate"]),
        superscripts=dict(q["superscripts"]),
        months=dict(d["months"]),
        month_qualifiers=tuple(d["month_qualifiers"]),
        date_anchors=dict(d["anchors"]),
        count_nouns=frozenset(d["count_nouns"]),
        negations=tuple(p["negations"]),
        antonyms={k: frozenset(v) for k, v in antonyms.items()},
        negative_words=frozenset(p["negative_words"]),
        related_names=frozenset(related),
    )
