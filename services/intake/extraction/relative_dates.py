"""Relative dates written out, given the publication date.

``on Saturday`` is the last Saturday on or before the publication date (``last Saturday``
the one before that when the article appeared on a Saturday); ``yesterday``/``today``/
``tomorrow``, ``last night``, ``this morning`` and ``last``/``this``/``next``
``week``/``month``/``year`` become ``on 11 November 2017``, ``in October 2017``, ...

Only the phrase found is computed, and one whose date falls outside the calendar
(``tomorrow`` of 31 December 9999, ``on Saturday`` of 1 January 0001) is left as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Final

from services.intake.extraction.vocabulary import MONTHS, WEEKDAYS

Edit = tuple[int, int, str]
"""``(start, end, replacement)``."""

_WEEKDAY_EXPR: Final = re.compile(
    r"\b(?P<on>on\s+|last\s+)?(?P<day>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
    r"(?P<part>\s+(?:morning|afternoon|evening|night))?\b(?!['\u2019]s)",
    re.IGNORECASE,
)
_RELATIVE_EXPR: Final = re.compile(
    r"\b(?P<prep>(?:since|until|from|by|before|after)\s+)?"
    r"(?P<what>yesterday|today|tomorrow|last night|this morning|"
    r"(?:last|this|next)\s+(?:week|month|year))\b",
    re.IGNORECASE,
)
_NO_ON_AFTER: Final = ("since", "until", "from", "by", "before")


def format_date(day: date) -> str:
    """``11 November 2017``."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def month_shift(day: date, months: int) -> date:
    """The first day of the month ``months`` after (or before) ``day``'s."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_name(day: date, months: int) -> str:
    shifted = month_shift(day, months)
    return f"{MONTHS[shifted.month - 1]} {shifted.year}"


def _year(year: int) -> str:
    if not date.min.year <= year <= date.max.year:
        raise OverflowError(f"year {year} is out of range")
    return str(year)


def _weekday_edit(sentence: str, m: re.Match[str], published: date) -> Edit | None:
    target = WEEKDAYS.index(m.group("day").lower())
    back = (published.weekday() - target) % 7
    prefix = (m.group("on") or "").lower().strip()
    if prefix == "last" and back == 0:
        back = 7
    try:
        day = published - timedelta(days=back)
    except OverflowError:
        return None
    part = (m.group("part") or "").strip().lower()
    written = f"the {part} of {format_date(day)}" if part else format_date(day)
    on = (m.group("on") or "")[:1]
    lead = ("On" if on.isupper() else "on") if prefix else ""
    if not prefix:
        before = sentence[: m.start()].rstrip().lower()
        lead = "" if before.endswith(_NO_ON_AFTER) else "on"
    return m.start(), m.end(), f"{lead} {written}".strip()


def _relative_phrase(what: str, published: date, *, on: str, within: str) -> str | None:
    """``what`` (``yesterday``, ``last month``...) written out, led by ``on``/``within``;
    None when its date is outside the calendar."""
    day = timedelta(days=1)
    phrases: dict[str, Callable[[], str]] = {
        "yesterday": lambda: f"{on}{format_date(published - day)}",
        "today": lambda: f"{on}{format_date(published)}",
        "tomorrow": lambda: f"{on}{format_date(published + day)}",
        "last night": lambda: f"{on}the night of {format_date(published - day)}",
        "this morning": lambda: f"{on}the morning of {format_date(published)}",
        "last week": lambda: f"{within}the week before {format_date(published)}",
        "this week": lambda: f"{within}the week of {format_date(published)}",
        "next week": lambda: f"{within}the week after {format_date(published)}",
        "last month": lambda: f"{within}{_month_name(published, -1)}",
        "this month": lambda: f"{within}{_month_name(published, 0)}",
        "next month": lambda: f"{within}{_month_name(published, 1)}",
        "last year": lambda: f"{within}{_year(published.year - 1)}",
        "this year": lambda: f"{within}{_year(published.year)}",
        "next year": lambda: f"{within}{_year(published.year + 1)}",
    }
    try:
        return phrases[what]()
    except (OverflowError, ValueError):
        return None


def _relative_edit(sentence: str, m: re.Match[str], published: date) -> Edit | None:
    what = re.sub(r"\s+", " ", m.group("what").lower())
    prep = m.group("prep") or ""
    written = _relative_phrase(
        what, published, on="" if prep else "on ", within="" if prep else "in "
    )
    if written is None:
        return None
    if sentence[m.start() : m.start() + 1].isupper():
        written = written[:1].upper() + written[1:]
    return m.start("what"), m.end(), written


def date_edits(sentence: str, published: date) -> list[Edit]:
    """Replacements (offsets relative to ``sentence``) that write relative dates out."""
    found = [_weekday_edit(sentence, m, published) for m in _WEEKDAY_EXPR.finditer(sentence)]
    found += [_relative_edit(sentence, m, published) for m in _RELATIVE_EXPR.finditer(sentence)]
    return [edit for edit in found if edit is not None]
