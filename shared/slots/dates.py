"""Dates in a statement, normalised with their granularity (day, month, year, decade).

"4 January 2022", "January 4, 2022", "mid-July 1969", "2022-01-04", "in 2022", "the 1960s",
"25 December" (no year). A bare four-digit number is a year only where it is not a count
("1500 people"), which :mod:`shared.slots.quantities` decides with the units it knows.
"""

from __future__ import annotations

import re
from functools import cache

from shared.slots.lexicon import alternation, lexicon
from shared.slots.model import DateSlot, Span, overlaps
from shared.text.words import stop_words

_ORD = r"(?:st|nd|rd|th)?"


@cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    lex = lexicon()
    month = rf"(?P<month>{alternation(lex.months)})\.?"
    qualifier = rf"(?:(?:{alternation(lex.month_qualifiers)})[\s-]+)?"
    year = r"(?P<year>1\d{3}|20\d{2}|2100)"
    day = rf"(?P<day>[0-3]?\d){_ORD}"
    flags = re.IGNORECASE
    return [
        (re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b"), "iso"),
        (
            re.compile(rf"(?<![\d.,])(?:from\s+)?{year}\s*(?:[-\u2013]|to)\s*(?:1\d|20)?\d\d\b"),
            "range",
        ),
        (re.compile(rf"\b{day}\s+(?:of\s+)?{month},?\s+{year}\b", flags), "dmy"),
        (re.compile(rf"\b{month}\s+{day},?\s+{year}\b", flags), "mdy"),
        (re.compile(rf"\b{qualifier}{month},?\s+(?:of\s+)?{year}\b", flags), "my"),
        (re.compile(rf"\b{day}\s+(?:of\s+)?{month}\b(?!\s*\d)", flags), "dm"),
        (re.compile(rf"\b{month}\s+{day}\b(?![\d,]*\s*\d{{4}})", flags), "md"),
        (re.compile(r"\b(?:the\s+)?(?P<decade>1\d{2}0|20\d0)s\b"), "decade"),
        (re.compile(rf"(?<![\d.,$€£¥-]){year}(?![\d%]|\.\d|,\d)"), "y"),
        (re.compile(rf"\b{qualifier}(?P<month>{_capital_months()})\b(?!\s+\d)"), "m"),
    ]


def _capital_months() -> str:
    """Month names alone, capitalised, long forms only ("in July"; not "may" or "Mar")."""
    names = [m.capitalize() for m, n in lexicon().months.items() if len(m) > 3 or m == "may"]
    return "|".join(n for n in names if n != "May")


@cache
def _anchor() -> re.Pattern[str]:
    return re.compile(rf"\b({alternation(lexicon().date_anchors)})\s+(?:the\s+)?$", re.IGNORECASE)


def _month_number(raw: str | None) -> int | None:
    if raw is None:
        return None
    if raw.isdigit():
        return int(raw)
    return lexicon().months.get(raw.lower().rstrip("."))


def find_dates(text: str, taken: list[tuple[int, int]]) -> list[DateSlot]:
    """Dates in ``text`` outside the ``taken`` spans (which grow with each date found)."""
    found: list[DateSlot] = []
    for pattern, kind in _patterns():
        for match in pattern.finditer(text):
            start, end = match.span()
            if overlaps(start, end, taken):
                continue
            anchor_match = _anchor().search(text[max(0, start - 20) : start])
            anchor = (
                lexicon().date_anchors[" ".join(anchor_match.group(1).lower().split())]
                if anchor_match
                else None
            )
            if (
                kind == "y"
                and anchor is None
                and (_is_count(text, end) or _in_name(text, start, end))
            ):
                continue
            if kind in {"dm", "md", "m"} and _looks_like_may_verb(match.group(0)):
                continue
            groups = match.groupdict()
            day = int(groups["day"]) if groups.get("day") else None
            month = _month_number(groups.get("month"))
            if not (1 <= (day or 1) <= 31 and 1 <= (month or 1) <= 12):
                continue
            found.append(
                DateSlot(
                    span=Span(start, end, " ".join(match.group(0).split())),
                    year=int(groups["year"]) if groups.get("year") else None,
                    month=month,
                    day=day,
                    decade=int(groups["decade"]) if groups.get("decade") else None,
                    anchor=anchor,
                )
            )
            taken.append((start, end))
    return sorted(found, key=lambda d: d.span.start)


_CAPITAL_BEFORE = re.compile(r"\b[A-Z][\w'\u2019.-]*\s$")
_CAPITAL_AFTER = re.compile(r"\s[A-Z]")


def _in_name(text: str, start: int, end: int) -> bool:
    """ "Rio 2016 Olympic Games", "Baku 2015 European Games": a year inside a name."""
    return bool(_CAPITAL_BEFORE.search(text[max(0, start - 30) : start])) and bool(
        _CAPITAL_AFTER.match(text, end)
    )


def _looks_like_may_verb(text: str) -> bool:
    return text.split()[0].lower() == "may" and text.split()[0] != "May"


_COUNT_AFTER = re.compile(r"\s+([a-z][a-z-]+)")


def _is_count(text: str, end: int) -> bool:
    """A four-digit number followed by a plural noun or a unit is a count, not a year."""
    match = _COUNT_AFTER.match(text, end)
    if match is None:
        return False
    word = match.group(1)
    plural_noun = word.endswith("s") and not word.endswith("ss") and word not in stop_words("en")
    lex = lexicon()
    return word in lex.units or word in lex.scales or word in lex.count_nouns or plural_noun
