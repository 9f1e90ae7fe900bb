"""The wing's seams: what the intake asks of an extractor, and what an extractor asks of a
check-worthiness model."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from services.intake.extraction.results import Extraction
from shared.schemas import ClaimDetails


class Scorer(Protocol):
    """What the extractor needs from a check-worthiness model."""

    threshold: float

    def score(self, texts: Sequence[str]) -> list[float]: ...


class Extractor(Protocol):
    """What the intake needs from claim extraction.

    :class:`~services.intake.extraction.extractor.ClaimExtractor` is the one it runs.
    """

    threshold: float

    def analyse(self, text: str, published_at: datetime | None = None) -> Extraction:
        """The claims of an article, what was skipped and why, and every sentence's fate;
        ``published_at`` anchors relative dates (``on Saturday``)."""
        ...

    def describe(self, text: str) -> ClaimDetails:
        """The details of a lone claim: ``text`` as its source text, its entities (offsets
        in ``text``) and check-worthiness; no offsets (it is no part of an article)."""
        ...

    def close(self) -> None:
        """Release what the extractor holds (threads)."""
        ...
