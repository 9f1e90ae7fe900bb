"""Editorial rules: statements a fact-checker picks even where the model scores them low.

The check-worthiness model learned the CheckThat! notion of "worth checking" from debates
and tweets. News copy also carries plain verifiable reports that a desk checks as a
matter of routine, and the model scores many of them low. Three rules keep those, and only
those, when the model would drop them:

``event``
    A report of something that happened: it names an actor (a person, organisation,
    country or place, or someone by age: "the 24-year-old") *and* a time (a date or time
    of day, besides the age), has at least
    :data:`MIN_RULE_WORDS` words, and is written in the third person outside quotes
    (first- and second-person sentences are opinion and rhetoric far more often).
``speech``
    A reported statement of a named speaker ("He stressed that ...", with "He" resolved
    to a person named in the article), in the third person and outside quotes: what the
    speaker said is itself checkable.
``detail``
    A plain report with a concrete checkable detail that is neither a name alone nor a date
    alone (those need each other: ``event``): a **count or measure** (a number with the
    thing it counts or its unit: "three instruments", "21 goals", "$18.5 million", "4
    percent", "a 24-year-old", "more than an hour"; a year or a day of the month is not
    one), or a **naming** ("named after", "named for", "named in honour of") beside a
    named person, place or organisation. In the third person, outside quotes, at least
    :data:`MIN_RULE_WORDS` words.

The rules run after the modality check
(:mod:`~services.intake.extraction.modality`): an opinion, a prediction or a hedge is
``not_factual`` and no rule keeps it. Sentences inside quotations never qualify: there the
speaker talks, the paper reports.

A sentence kept by a rule gets the score ``max(model score, RULE_SCORE)`` and names the
rule on the claim (``rule``). ``claimcheck-lab eval-checkworthiness --pipeline`` measures the
whole extractor, rules included, on the benchmark files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final, Literal

from services.intake.extraction.mentions import Mention, Standalone
from shared.text.words import words

Rule = Literal["event", "speech", "detail"]

RULE_SCORE: Final = 0.6
"""Score given to a sentence a rule keeps (just above the model's default threshold)."""
MIN_RULE_WORDS: Final = 8

_ACTORS: Final = frozenset({"PERSON", "ORG", "GPE", "NORP", "FAC", "LOC"})
_TIMES: Final = frozenset({"DATE", "TIME"})
_FIRST_SECOND_PERSON: Final = re.compile(
    r"\b(?:i|me|my|we|us|our|ours|you|your|yours)\b|\b(?:i|we|you)['\u2019]", re.IGNORECASE
)
_QUOTED: Final = re.compile(r"[\u201c\"][^\u201d\"]*[\u201d\"]")
_NUMBER_WORDS: Final = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen"
    "|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty"
    "|ninety|hundreds?|thousands?|dozens?|millions?|billions?"
)
_COUNT: Final = re.compile(
    r"(?P<number>(?<![\w.,-])\d[\d,]*(?:\.\d+)?|\b(?:" + _NUMBER_WORDS + r"))"
    r"(?:\s(?:million|billion|trillion|thousand|hundred))?"
    r"[\s-](?P<unit>[a-z][a-z]{2,})\b"
)
_MORE_THAN_ONE: Final = re.compile(
    r"\b(?:more|less|fewer)\s+than\s+an?\s+(?:second|minute|hour|day|week|month|year|decade"
    r"|mile|kilometre|kilometer|metre|meter|ton|tonne)\b",
    re.IGNORECASE,
)
_MONEY_OR_PERCENT: Final = re.compile(r"[$\u20ac\u00a3\u00a5]\s?\d|\d\s?%")
_YEAR: Final = re.compile(r"^(?:1[0-9]{3}|20[0-9]{2})$")
_AGE: Final = re.compile(r"\b\d{1,3}[\s-]years?[\s-]old\b", re.IGNORECASE)
_NOT_UNITS: Final = frozenset(
    {
        "the", "and", "but", "for", "with", "from", "that", "this", "these", "those", "which",
        "who", "was", "were", "are", "been", "has", "have", "had", "after", "before", "since",
        "until", "into", "than", "when", "while", "its", "his", "her", "their", "our", "not",
        "said", "says",
    }
)  # fmt: skip
_NAMING: Final = re.compile(r"\bnamed\s+(?:after|for|in\s+hono(?:u)?r\s+of)\b", re.IGNORECASE)
_NOT_NAMES: Final = frozenset(
    {"he", "she", "they", "it", "this", "that", "these", "those", "we", "i", "you", "one"}
)


def _named(speaker: str | None) -> bool:
    if not speaker:
        return False
    first = speaker.split()[0]
    return first[:1].isupper() and first.casefold() not in _NOT_NAMES


def has_count(text: str) -> bool:
    """Whether ``text`` states a count or a measure: a number followed by what it counts or
    its unit ("three instruments", "$3 million less", "24-year-old", "4 percent"), or
    "more than an hour". A year ("in 1998 using") or a day ("3 May") is not a count."""
    if _MORE_THAN_ONE.search(text) or _MONEY_OR_PERCENT.search(text):
        return True
    for found in _COUNT.finditer(_AGE.sub(" ", text)):
        if _YEAR.match(found.group("number")) or found.group("unit") in _NOT_UNITS:
            continue
        return True
    return False


def _aged_actor(text: str, mentions: Sequence[Mention]) -> bool:
    """Whether ``text`` names someone by age ("the 24-year-old") and has a time besides the
    age (which spaCy tags as a DATE itself)."""
    return _AGE.search(text) is not None and any(
        m.label in _TIMES and not _AGE.search(m.text) for m in mentions
    )


def editorial_rule(
    text: str, mentions: Sequence[Mention], standalone: Standalone | None, *, quoted: bool
) -> Rule | None:
    """The rule that keeps ``text`` (one sentence) as a claim, or None.

    ``quoted``: the sentence sits inside a quotation (rhetoric of the speaker, not a
    report): no rule applies to it.
    """
    if quoted or len(words(text)) < MIN_RULE_WORDS:
        return None
    if _FIRST_SECOND_PERSON.search(_QUOTED.sub(" ", text)):
        return None
    if standalone is not None and standalone.attributed and _named(standalone.speaker):
        return "speech"
    labels = {m.label for m in mentions}
    if (labels & _ACTORS and labels & _TIMES) or _aged_actor(text, mentions):
        return "event"
    if has_count(text) or (_NAMING.search(text) and labels & _ACTORS):
        return "detail"
    return None
