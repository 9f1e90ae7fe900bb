"""Relative dates written out, given the publication date.

``on Saturday`` is the last Saturday on or before the publication date (``last Saturday``
the one before that when the article appeared on a Saturday); ``yesterday``/``today``/
``tomorrow``, ``last night``, ``this morning`` and ``last``/``this``/``next``
``week``/``month``/``year`` become ``on 11 November 2017``, ``in October 2017``, ...
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Final

from services.intake.extraction.lexicon import MONTHS, WEEKDAYS

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


def _month_shift(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_name(day: date, months: int) -> str:
    shifted = _month_shift(day, months)
    return f"{MONTHS[shifted.month - 1]} {shifted.year}"


def _weekday_edit(sentence: str, m: re.Match[str], published: date) -> Edit:
    target = WEEKDAYS.index(m.group("day").lower())
    back = (published.weekday() - target) % 7
    prefix = (m.group("on") or "").lower().strip()
    if prefix == "last" and back == 0:
        back = 7
    day = published - timedelta(days=back)
    part = (m.group("part") or "").strip().lower()
    written = f"the {part} of {format_date(day)}" if part else format_date(day)
    on = (m.group("on") or "")[:1]
    lead = ("On" if on.isupper() else "on") if prefix else ""
    if not prefix:
        before = sentence[: m.start()].rstrip().lower()
        lead = "" if before.endswith(_NO_ON_AFTER) else "on"
    return m.start(), m.end(), f"{lead} {written}".strip()


def _relative_phrase(what: str, published: date, *, on: str, within: str) -> str:
    """``what`` (``yesterday``, ``last month``...) written out, led by ``on``/``within``."""
    day = timedelta(days=1)
    return {
        "yesterday": f"{on}{format_date(published - day)}",
        "today": f"{on}{format_date(published)}",
        "tomorrow": f"{on}{format_date(published + day)}",
        "last night": f"{on}the night of {format_date(published - day)}",
        "this morning": f"{on}the morning of {format_date(published)}",
        "last week": f"{within}the week before {format_date(published)}",
        "this week": f"{within}the week of {format_date(published)}",
        "next week": f"{within}the week after {format_date(published)}",
        "last month": f"{within}{_month_name(published, -1)}",
        "this month": f"{within}{_month_name(published, 0)}",
        "next month": f"{within}{_month_name(published, 1)}",
        "last year": f"{within}{published.year - 1}",
        "this year": f"{within}{published.year}",
        "next year": f"{within}{published.year + 1}",
    }[what]


def _relative_edit(sentence: str, m: re.Match[str], published: date) -> Edit:
    what = re.sub(r"\s+", " ", m.group("what").lower())
    prep = m.group("prep") or ""
    written = _relative_phrase(
        what, published, on="" if prep else "on ", within="" if prep else "in "
    )
    if sentence[m.start() : m.start() + 1].isupper():
        written = written[:1].upper() + written[1:]
    return m.start("what"), m.end(), written


def date_edits(sentence: str, published: date) -> list[Edit]:
    """Replacements (offsets relative to ``sentence``) that write relative dates out."""
    edits = [_weekday_edit(sentence, m, published) for m in _WEEKDAY_EXPR.finditer(sentence)]
    edits += [_relative_edit(sentence, m, published) for m in _RELATIVE_EXPR.finditer(sentence)]
    return edits
