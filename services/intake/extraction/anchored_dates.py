"""Dates that refer to an earlier date of the article: ``the same day``, ``that year``, ``the
following month`` ... written out from the date they refer to.

The anchor is the last date written before the phrase: earlier in its own sentence, else in
the sentence before, else earlier in the same paragraph. A date is a DATE entity that reads
as one (``12 July 2022``, ``July 12, 2022``, ``July 2022``, ``2022``), a relative date that
:mod:`~services.intake.extraction.relative_dates` writes out from the publication date, or a phrase
of
this kind resolved before. ``the same day`` needs a day, ``that month`` a month, ``that
year`` a year: where the anchor is too coarse (``the same day`` after ``in December 2021``)
or missing, the phrase is left as written and reported, and the claim is not stand-alone.
``the same day as the launch`` refers to the launch, not to a date: it is not touched.

``began the same day`` becomes ``began on 12 July 2022``; after a preposition (``by the same
day``) or before ``'s`` only the date is written. ``that day`` may also be an object (``never
forget that day``): unless a preposition or ``later`` comes before it or it opens the sentence,
the date follows it in brackets (``that day (12 July 2022)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

from services.intake.extraction.mentions import SentenceInfo
from services.intake.extraction.relative_dates import date_edits, format_date, month_shift
from services.intake.extraction.vocabulary import MONTHS

Unit = Literal["day", "month", "year"]
Found = tuple[int, int, str | None]
"""``(start, end, written)`` in article offsets; ``written`` None: no date to write."""

_UNITS: Final[dict[str, Unit]] = {"day": "day", "month": "month", "year": "year"}
_RANK: Final[dict[str, int]] = {"year": 0, "month": 1, "day": 2}
_STEP: Final[dict[str, int]] = {"next": 1, "following": 1, "previous": -1, "prior": -1}
_MONTH: Final = "|".join(MONTHS)
_DATE_FORMS: Final[tuple[tuple[re.Pattern[str], Unit], ...]] = (
    (
        re.compile(
            rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m>{_MONTH}),?\s+(?P<y>\d{{4}})\b"
        ),
        "day",
    ),
    (
        re.compile(rf"\b(?P<m>{_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b"),
        "day",
    ),
    (re.compile(rf"\b(?P<m>{_MONTH})\s+(?:of\s+)?(?P<y>\d{{4}})\b"), "month"),
    (re.compile(r"\b(?P<y>[12]\d{3})\b"), "year"),
)
_ANCHORED: Final = re.compile(
    r"\b(?P<prep>(?:on|in|by|since|until|till|from|before|after|during|throughout|of)\s+)?"
    r"(?P<what>(?:the\s+(?:very\s+)?same|that(?:\s+same)?)\s+(?P<same>day|month|year)"
    r"|the\s+(?P<dir>next|following|previous|prior)\s+(?P<step>day|month|year))\b"
    r"(?!\s+(?:as|that|when|before|after|in\s+which)\b)",
    re.IGNORECASE,
)
_POSSESSIVE: Final = re.compile(r"['\u2019]s\b")
_LATER: Final = re.compile(r"\b(?:later|earlier|early|late)\s+$", re.IGNORECASE)


@dataclass(frozen=True)
class Moment:
    """A date the article writes, as precise as it is written, and where it ends."""

    day: date
    unit: Unit
    end: int


def _moment(m: re.Match[str], unit: Unit, end: int) -> Moment | None:
    groups = m.groupdict()
    try:
        month = MONTHS.index(groups["m"]) + 1 if groups.get("m") else 1
        return Moment(date(int(groups["y"]), month, int(groups.get("d") or 1)), unit, end)
    except ValueError:
        return None


def moments_in(written: str, offset: int) -> list[Moment]:
    """The dates in ``written`` (which starts at article offset ``offset``), in order."""
    found: list[tuple[int, int, Moment]] = []
    for pattern, unit in _DATE_FORMS:
        for m in pattern.finditer(written):
            if any(s < m.end() and m.start() < e for s, e, _ in found):
                continue
            moment = _moment(m, unit, offset + m.end())
            if moment is not None:
                found.append((m.start(), m.end(), moment))
    return [moment for _s, _e, moment in sorted(found, key=lambda f: f[0])]


def _shifted(anchor: Moment, unit: Unit, step: int) -> date | None:
    try:
        if unit == "day":
            return anchor.day + timedelta(days=step)
        if unit == "month":
            return month_shift(anchor.day, step)
        return date(anchor.day.year + step, 1, 1)
    except (OverflowError, ValueError):
        return None


def _written(day: date, unit: Unit) -> str:
    if unit == "day":
        return format_date(day)
    return f"{MONTHS[day.month - 1]} {day.year}" if unit == "month" else str(day.year)


class AnchoredDates:
    """The phrases of one article that take their date from an earlier one, resolved."""

    def __init__(self, text: str, sentences: list[SentenceInfo], published: date | None) -> None:
        self.text = text
        self.published = published
        self._found: dict[int, list[Found]] = {}
        history: list[tuple[SentenceInfo, list[Moment]]] = []
        for sent in sentences:
            moments, found = self._sentence(sent, history)
            self._found[sent.start] = found
            history.append((sent, moments))

    def found(self, sent: SentenceInfo) -> list[Found]:
        """The phrases of ``sent`` and their dates (None where there is none to write)."""
        return self._found.get(sent.start, [])

    def _sentence(
        self, sent: SentenceInfo, history: list[tuple[SentenceInfo, list[Moment]]]
    ) -> tuple[list[Moment], list[Found]]:
        phrases = list(_ANCHORED.finditer(self.text, sent.start, sent.end))
        moments = self._dates_written(sent, phrases)
        found: list[Found] = []
        for m in phrases:
            unit = _UNITS[(m.group("same") or m.group("step")).lower()]
            step = _STEP.get((m.group("dir") or "").lower(), 0)
            anchor = _anchor(moments, m.start(), sent, history)
            day = None
            if anchor is not None and _RANK[anchor.unit] >= _RANK[unit]:
                day = _shifted(anchor, unit, step)
            if day is None:
                found.append((m.start("what"), m.end("what"), None))
                continue
            found.append(self._phrase(m, day, unit, when=self._when(m, sent)))
            moments.append(Moment(day, unit, m.end()))
        return moments, found

    def _when(self, m: re.Match[str], sent: SentenceInfo) -> bool:
        """Whether the phrase surely says when: ``that day`` may also be an object (``never
        forget that day``), unless a preposition or ``later`` comes before it or it opens
        the sentence."""
        if m.group("prep") or not m.group("what").lower().startswith("that"):
            return True
        before = self.text[sent.start : m.start()]
        return not before.strip(' \t\u201c"\u2013\u2014-') or _LATER.search(before) is not None

    def _phrase(self, m: re.Match[str], day: date, unit: Unit, *, when: bool) -> Found:
        written = _written(day, unit)
        if m.group("prep") or _POSSESSIVE.match(self.text, m.end()):
            return m.start("what"), m.end("what"), written
        if not when:
            return m.start("what"), m.end("what"), f"{m.group('what')} ({written})"
        lead = "on" if unit == "day" else "in"
        if m.group("what")[:1].isupper():
            lead = lead.capitalize()
        return m.start("what"), m.end("what"), f"{lead} {written}"

    def _dates_written(self, sent: SentenceInfo, phrases: list[re.Match[str]]) -> list[Moment]:
        """The dates ``sent`` writes: DATE entities, and relative dates from publication."""
        moments = [
            moment
            for mention in sent.mentions
            if mention.label == "DATE"
            for moment in moments_in(mention.text, mention.start)
        ]
        if self.published is None:
            return moments
        sentence = self.text[sent.start : sent.end]
        for s, e, written in date_edits(sentence, self.published):
            start, end = sent.start + s, sent.start + e
            if "week" in written or any(p.start() < end and start < p.end() for p in phrases):
                continue
            moments += [Moment(mo.day, mo.unit, end) for mo in moments_in(written, start)]
        return moments


def _anchor(
    moments: list[Moment],
    at: int,
    sent: SentenceInfo,
    history: list[tuple[SentenceInfo, list[Moment]]],
) -> Moment | None:
    """The last date written before offset ``at`` (see the module docstring)."""
    here = [mo for mo in moments if mo.end <= at]
    if here:
        return max(here, key=lambda mo: mo.end)
    for i, (before, written) in enumerate(reversed(history)):
        if i > 0 and before.paragraph != sent.paragraph:
            return None
        if written:
            return max(written, key=lambda mo: mo.end)
    return None
