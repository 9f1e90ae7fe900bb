"""Time and place adverbials that open a speaker phrase without a comma: ``In May 2024
astronomers confirmed ...`` is said by astronomers, ``On Tuesday the ministry said ...`` by
the ministry.

Where such an adverbial ends is read from the entities (a DATE or TIME, after a preposition
also a place: GPE, LOC, FAC, EVENT) or, for dates the small model misses, from the words of
dates (weekdays, months, years, ``last week``, ``yesterday``). A speaker is a person or an
organisation: a phrase that still opens with a preposition once they are left out is none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from services.intake.extraction.mentions import Mention
from services.intake.extraction.vocabulary import MONTHS, WEEKDAYS

MAX_ADVERBIALS: Final = 3
_TIMES: Final = frozenset({"DATE", "TIME"})
_TIMES_AND_PLACES: Final = _TIMES | {"GPE", "LOC", "FAC", "EVENT"}
_PREPOSITIONS: Final = "in|on|at|during|since|after|before|until|from|throughout"
_PREPOSITION: Final = re.compile(rf"(?:{_PREPOSITIONS})\s+", re.IGNORECASE)
_THE: Final = re.compile(r"the\s+", re.IGNORECASE)
_COMMA: Final = re.compile(r",?\s*")
_OPENS_WITH_PREPOSITION: Final = re.compile(rf"(?:{_PREPOSITIONS})\b", re.IGNORECASE)
_DAY: Final = "|".join(WEEKDAYS)
_MONTH: Final = "|".join(MONTHS)
_DATE_WORDS: Final = re.compile(
    rf"(?:(?:early|late)\s+)?(?:(?:{_DAY})(?:\s+(?:morning|afternoon|evening|night))?"
    rf"|\d{{1,2}}\s+(?:{_MONTH})(?:\s+\d{{4}})?|(?:{_MONTH})(?:\s+\d{{1,2}})?(?:,?\s+\d{{4}})?"
    r"|\d{4}|morning|afternoon|evening|night|weekend)\b,?\s*",
    re.IGNORECASE,
)
_BARE_TIME: Final = re.compile(
    rf"(?:yesterday|today|tonight|earlier|later|previously|recently|meanwhile"
    rf"|(?:last|this|next)\s+(?:week|month|year|night|{_DAY})"
    r"|this\s+(?:morning|afternoon|evening))\b,?\s*",
    re.IGNORECASE,
)


def _adverbial_end(text: str, pos: int, end: int, mentions: Sequence[Mention]) -> int | None:
    """Where the adverbial that opens ``text[pos:end]`` ends; None when none opens it."""
    prep = _PREPOSITION.match(text, pos, end)
    at = prep.end() if prep else pos
    the = _THE.match(text, at, end)
    labels = _TIMES_AND_PLACES if prep else _TIMES
    for m in mentions:
        if m.label in labels and m.start in (pos, at, the.end() if the else at) and m.end < end:
            after = _COMMA.match(text, m.end, end)
            return after.end() if after else m.end
    if prep is None:
        bare = _BARE_TIME.match(text, pos, end)
        return bare.end() if bare else None
    words = _DATE_WORDS.match(text, the.end() if the else at, end)
    return words.end() if words else None


def without_adverbials(
    text: str, start: int, end: int, mentions: Sequence[Mention]
) -> tuple[int, int] | None:
    """The speaker phrase ``text[start:end]`` without the adverbials that open it; None when
    what is left is no speaker (nothing, or a phrase opening with a preposition)."""
    pos = start
    for _ in range(MAX_ADVERBIALS):
        nxt = _adverbial_end(text, pos, end, mentions)
        if nxt is None or nxt >= end:
            break
        pos = nxt
    if pos >= end or _OPENS_WITH_PREPOSITION.match(text, pos, end):
        return None
    return pos, end
