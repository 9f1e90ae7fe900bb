"""What the extraction wing hands back: claims, the entities in them, each sentence's fate.

Claims and entities are the wire models of :mod:`shared.schemas` (pydantic, no HTTP):
what the wing finds is what the intake stores and answers, without a copy in between.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

from pydantic import ConfigDict

from services.intake.extraction.editorial import Rule
from shared.schemas import ExtractedDetails, SkippedSentence

SkipReason = Literal[
    "non_english", "unreadable", "question", "duplicate", "not_factual", "below_threshold",
    "quote_rhetoric",
]  # fmt: skip
SKIP_REASONS: Final[tuple[SkipReason, ...]] = (
    "non_english", "unreadable", "question", "duplicate", "not_factual", "below_threshold",
    "quote_rhetoric",
)  # fmt: skip
"""Why a sentence is not a claim (the intake adds ``over_claim_limit``): not English (the
note has the language), unreadable (the note's ``detail`` says which cue:
:mod:`~services.intake.extraction.unreadable`), a question, a repeat or a sentence contained
in a longer claim, an opinion, prediction, hedge or feeling whatever its score (the note's
``detail`` says which cue: :mod:`~services.intake.extraction.modality`), scored below the
threshold (the note has the score), or a quotation with no checkable content (scored below
the threshold)."""


class CandidateClaim(ExtractedDetails):
    """A claim: ``article[start:end] == source_text``; ``text`` reads on its own.

    Its details (:class:`~shared.schemas.ExtractedDetails`) are what the intake stores and
    answers; entities are in article coordinates (``article[start:end] == text``).
    """

    model_config = ConfigDict(frozen=True)

    text: str
    rule: Rule | None = None
    """The editorial rule that kept a sentence the model scored below the threshold."""
    stand_alone: bool = True
    """False when ``text`` keeps a reference the rules could not resolve with confidence
    (``Webb`` where the article named both the telescope and James E. Webb before; ``the
    same day`` with no day before it): the article's words are left, not a guess."""


@dataclass(frozen=True)
class SentenceNote:
    """Every sentence of the article and what became of it (``claim`` or a skip reason)."""

    start: int
    end: int
    language: str
    outcome: SkipReason | Literal["claim"]
    checkworthiness: float | None = None
    detail: str | None = None
    """For ``unreadable``: the cue (``fragment``, ``truncated``, ``dangling_end``,
    ``garbled_quote``, ``repeated_word``); for ``not_factual``: the kind and word of the
    cue (``modal: should``, ``hedge: probably``, ``belief: expects``, ``prediction: will``,
    ``feeling: worried``)."""


@dataclass(frozen=True)
class Extraction:
    """What :meth:`Extractor.analyse` found, and what it left out and why."""

    claims: list[CandidateClaim]
    skipped: dict[SkipReason, int] = field(default_factory=dict)
    sentences: list[SentenceNote] = field(default_factory=list)

    def skipped_sentences(self, text: str) -> list[SkippedSentence]:
        """Every sentence of ``text`` (the article analysed) that is not a claim, and why."""
        return [
            SkippedSentence(
                start=n.start,
                end=n.end,
                text=text[n.start : n.end],
                reason=n.outcome,
                score=n.checkworthiness,
                language=n.language,
                detail=n.detail,
            )
            for n in self.sentences
            if n.outcome != "claim"
        ]
