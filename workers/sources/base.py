"""What every reference source provides: a name and a ranked passage search."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt


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
    start: int | None = None
    """Where ``text`` is one sentence of a stored document: its offsets in that document."""
    end: int | None = None
    context_before: str = ""
    """The sentence(s) before it in its document (resolves "it", "the two leaders")."""
    context_after: str = ""
    similarity: float | None = None
    """Cosine similarity of the sentence's embedding to the claim's, where computed."""
    doc_hash: str | None = None
    """The stored document's content hash, where the source keeps documents."""


class Source(Protocol):
    """A searchable reference source.

    ``search`` raises :class:`shared.errors.TransientSourceError` when trying again later may
    help (timeout, busy, rate limited) and :class:`shared.errors.PermanentSourceError` when it
    will not (bad request, broken data). Implementations must be usable from the process
    they were created in; worker processes create their own after fork. Whoever builds a
    source closes it (``close`` is called once, also for sources that hold nothing).
    """

    name: str

    def search(self, claim: str, limit: int, *, timeout_s: float | None = None) -> list[Passage]:
        """Up to ``limit`` passages, best first.

        ``timeout_s`` is the time this search may take, when the caller has a budget (see
        :class:`~workers.sources.resilience.ResilientSource`); sources that never wait on
        a network (local files) may ignore it.
        """
        ...

    def close(self) -> None:
        """Release what the source holds (files, connections); it is not searched after."""
        ...


class Embedder(Protocol):
    """A sentence-embedding model: unit-length rows, one per text."""

    model_id: str
    """Identifies the model: stored with every vector to notice a model change."""
    dimension: int

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]: ...
