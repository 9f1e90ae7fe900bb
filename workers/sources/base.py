"""What every reference source provides: a name and a ranked passage search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Passage:
    """One retrieved document (or part of one) that may bear on a claim."""

    source: str
    """Name of the source that returned it, e.g. ``knowledge_base``."""
    doc_id: str
    title: str
    url: str | None
    text: str
    score: float
    """Retrieval score in [0, 1]; higher is more relevant. Comparable within one search."""
    publisher: str | None = None
    published: str | None = None
    """Publication date, ISO 8601, where the source gives one."""
    rating: str | None = None
    """For fact-check archives: the publisher's rating, verbatim."""
    label: str | None = None
    """For fact-check archives: the rating normalised to a verdict label, if it maps to one."""


class Source(Protocol):
    """A searchable reference source.

    ``search`` raises :class:`shared.errors.TransientSourceError` when trying again later may
    help (timeout, busy, rate limited) and :class:`shared.errors.PermanentSourceError` when it
    will not (bad request, broken data). Implementations must be usable from the process
    they were created in; worker processes create their own after fork.
    """

    name: str

    def search(self, claim: str, limit: int) -> list[Passage]:
        """Up to ``limit`` passages, best first."""
        ...
