"""Editorial rules: statements a fact-checker picks even where the model scores them low.

The check-worthiness model learned the CheckThat! notion of "worth checking" from debates
and tweets. News copy also carries plain verifiable reports that a desk checks as a
matter of routine, and the model scores many of them low. Two rules keep those, and only
those, when the model would drop them:

``event``
    A report of something that happened: it names an actor (a person, organisation,
    country or place) *and* a time (a date or time of day), has at least
    :data:`MIN_RULE_WORDS` words, and is written in the third person outside quotes
    (first- and second-person sentences are opinion and rhetoric far more often).
``speech``
    A reported statement of a named speaker ("He stressed that ...", with "He" resolved
    to a person named in the article), in the third person and outside quotes: what the
    speaker said is itself checkable.

Sentences inside quotations never qualify: there the speaker talks, the paper reports.

A sentence kept by a rule gets the score ``max(model score, RULE_SCORE)`` and names the
rule on the claim (``rule``). ``claimcheck eval-checkworthiness --pipeline`` measures the
whole extractor, rules included, on the benchmark files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final, Literal

from services.intake.extraction.mentions import Mention, Standalone
from shared.text import words

Rule = Literal["event", "speech"]

RULE_SCORE: Final = 0.6
"""Score given to a sentence a rule keeps (just above the model's default threshold)."""
MIN_RULE_WORDS: Final = 8

_ACTORS: Final = frozenset({"PERSON", "ORG", "GPE", "NORP", "FAC", "LOC"})
_TIMES: Final = frozenset({"DATE", "TIME"})
_FIRST_SECOND_PERSON: Final = re.compile(
    r"\b(?:i|me|my|we|us|our|ours|you|your|yours)\b|\b(?:i|we|you)['\u2019]", re.IGNORECASE
)
_QUOTED: Final = re.compile(r"[\u201c\"][^\u201d\"]*[\u201d\"]")
_NOT_NAMES: Final = frozenset(
    {"he", "she", "they", "it", "this", "that", "these", "those", "we", "i", "you", "one"}
)


def _named(speaker: str | None) -> bool:
    if not speaker:
        return False
    first = speaker.split()[0]
    return first[:1].isupper() and first.casefold() not in _NOT_NAMES


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
    if labels & _ACTORS and labels & _TIMES:
        return "event"
    return None
