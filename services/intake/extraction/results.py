"""What the extraction wing hands back: claims, the entities in them, each sentence's fate.

Claims and entities are the wire models of :mod:`shared.schemas` (pydantic, no HTTP):
what the wing finds is what the intake stores and answers, without a copy in between.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

from pydantic import ConfigDict

from services.intake.extraction.editorial import Rule
from shared.schemas import ExtractedDetails

SkipReason = Literal[
    "non_english", "too_short", "question", "truncated", "duplicate", "below_threshold"
]
SKIP_REASONS: Final[tuple[SkipReason, ...]] = (
    "non_english", "too_short", "question", "truncated", "duplicate", "below_threshold"
)  # fmt: skip


class CandidateClaim(ExtractedDetails):
    """A claim: ``article[start:end] == source_text``; ``text`` reads on its own.

    Its details (:class:`~shared.schemas.ExtractedDetails`) are what the intake stores and
    answers; entities are in article coordinates (``article[start:end] == text``).
    """

    model_config = ConfigDict(frozen=True)

    text: str
    rule: Rule | None = None
    """The editorial rule that kept a sentence the model scored below the threshold."""


@dataclass(frozen=True)
class SentenceNote:
    """Every sentence of the article and what became of it (``claim`` or a skip reason)."""

    start: int
    end: int
    language: str
    outcome: SkipReason | Literal["claim"]
    checkworthiness: float | None = None


@dataclass(frozen=True)
class Extraction:
    """What :meth:`Extractor.analyse` found, and what it left out and why."""

    claims: list[CandidateClaim]
    skipped: dict[SkipReason, int] = field(default_factory=dict)
    sentences: list[SentenceNote] = field(default_factory=list)
