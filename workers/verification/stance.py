"""The stance-scoring interface every scorer implements (lexical today, learned later)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class StanceScore:
    """How one evidence sentence bears on a claim.

    ``supports + refutes + neutral == 1``; ``relevance`` in [0, 1] says how much the
    sentence is about the claim at all (irrelevant sentences never decide a verdict).
    """

    supports: float
    refutes: float
    neutral: float
    relevance: float


class StanceScorer(Protocol):
    """Scores (claim, sentence) pairs; implementations must be thread- and fork-safe."""

    name: str

    def score(
        self, claim: str, sentences: Sequence[str], *, context: Sequence[str] | None = None
    ) -> list[StanceScore]:
        """One :class:`StanceScore` per sentence, in the same order.

        ``context``, when given, has one entry per sentence: text around it (the title of
        its document and the sentence before it) that resolves references such as "it" or
        "the two presidents". A scorer may use it to judge relevance, or ignore it; the
        stance itself must come from the sentence.
        """
        ...

    def score_passage(self, claim: str, sentences: Sequence[str]) -> StanceScore:
        """How the ``sentences`` read together, joined into one passage, bear on the claim
        (evidence that decides only together); one more pair per claim."""
        ...
