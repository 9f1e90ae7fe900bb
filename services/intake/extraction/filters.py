"""The cheap filters: sentences skipped before the model runs, and repeated claims.

A sentence is skipped when it is not English, cannot be read reliably (a fragment, a
truncated teaser, a cut-off headline, machine-translation garble:
:mod:`~services.intake.extraction.unreadable`), is a question or repeats an earlier
sentence. Among the claims, one whose words are contained in a longer claim's (a headline
repeated in the body) is a duplicate. Sentences compare by their words, case-folded.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Final

from services.intake.extraction.language import ENGLISH
from services.intake.extraction.reading import Sentence
from services.intake.extraction.results import SkipReason
from services.intake.extraction.unreadable import unreadable_cue
from shared.text.words import words

_CLOSING_PUNCT: Final = "\"'\u201d\u2019\u00bb)]} \t"


def normal(text: str) -> str:
    """``text``'s words, case-folded (NFKC), joined by single spaces."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(words(folded))


def cheap_filter(sent: Sentence, seen: set[str]) -> SkipReason | None:
    """Why ``sent`` is skipped before scoring, or None; adds it to ``seen``. An unreadable
    sentence's cue goes to ``sent.detail``."""
    if sent.language != ENGLISH:
        return "non_english"
    body = sent.span.text
    if body.rstrip(_CLOSING_PUNCT).endswith("?"):
        return "question"
    cue = unreadable_cue(body)
    if cue is not None:
        sent.detail = cue
        return "unreadable"
    key = normal(body)
    if key in seen:
        return "duplicate"
    seen.add(key)
    return None


def mark_contained(kept: Sequence[Sentence]) -> None:
    """Mark as ``duplicate`` each claim contained in a longer one."""
    normals = {id(s): normal(s.span.text) for s in kept}
    for sent in kept:
        mine = normals[id(sent)]
        if any(
            other is not sent and len(normals[id(other)]) > len(mine) and mine in normals[id(other)]
            for other in kept
        ):
            sent.outcome = "duplicate"
