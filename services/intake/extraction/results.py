"""What the extraction wing hands back: claims, the entities in them, each sentence's fate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

from services.intake.extraction.editorial import Rule

SkipReason = Literal[
    "non_english", "too_short", "question", "truncated", "duplicate", "below_threshold"
]
SKIP_REASONS: Final[tuple[SkipReason, ...]] = (
    "non_english", "too_short", "question", "truncated", "duplicate", "below_threshold"
)  # fmt: skip


@dataclass(frozen=True)
class Entity:
    """A named entity in article coordinates: ``article[start:end] == text``."""

    text: str
    label: str
    start: int
    end: int


@dataclass(frozen=True)
class CandidateClaim:
    """A claim: ``article[start:end] == source_text``; ``text`` reads on its own."""

    text: str
    source_text: str
    start: int
    end: int
    checkworthiness: float
    speaker: str | None = None
    attributed: bool = False
    entities: tuple[Entity, ...] = ()
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


@dataclass(frozen=True)
class ClaimFacts:
    """What is cheap to know about a lone claim: its entities and score."""

    checkworthiness: float
    entities: tuple[Entity, ...]
