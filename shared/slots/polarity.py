"""A statement's polarity: the negation cues it holds ("not", "never", "no longer", "n't")
and the words it uses that have an antonym ("before"/"after", "rose"/"fell"), both from
``data/polarity.json``."""

from __future__ import annotations

import re
from functools import cache

from shared.slots.lexicon import alternation, lexicon
from shared.slots.model import PolaritySlot, Span


@cache
def _negation() -> re.Pattern[str]:
    cues = [c for c in lexicon().negations if c != "n't"]
    return re.compile(rf"(?:\b(?:{alternation(cues)})\b|n[\u2019']t\b)", re.IGNORECASE)


@cache
def _antonym_words() -> re.Pattern[str]:
    # "more than 10", "less than": a bound of a quantity, not a word to reverse
    return re.compile(rf"\b(?:{alternation(lexicon().antonyms)})\b(?!\s+than\b)", re.IGNORECASE)


def find_polarity(text: str) -> PolaritySlot:
    negations = tuple(Span(m.start(), m.end(), m.group(0)) for m in _negation().finditer(text))
    words = frozenset(" ".join(m.group(0).lower().split()) for m in _antonym_words().finditer(text))
    return PolaritySlot(negations=negations, words=words)
