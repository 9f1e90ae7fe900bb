"""The fact-check archive as a reference source, and the rule that lets a strong match
decide a verdict on its own.

:class:`FactCheckSource` (name ``factchecks``) answers a claim with the archive's best
matches (:class:`~workers.sources.factchecks.matching.Matcher`) whose match score reaches
``CLAIMCHECK_FACTCHECK_MIN_SCORE``: each a :class:`~workers.sources.base.Passage` with the
publisher, review date, URL, the rating verbatim (``rating``), the rating as a verdict
label (``label``) and the match score as ``score``.

The verifier never scores these passages with the stance model (the text of a fact-checked
claim says the claim, whatever its rating); :mod:`workers.sources.factchecks.deciding_match`
says when one decides the verdict.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workers.sources.base import Passage
from workers.sources.factchecks import SOURCE_NAME
from workers.sources.factchecks.archive import FactCheckArchive
from workers.sources.factchecks.formats import FactCheck
from workers.sources.factchecks.matching import Matcher

if TYPE_CHECKING:
    from workers.sources.factchecks.embedding import OnnxEmbedder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmbeddingConfig:
    """The sentence-embedding model: its folder and its onnxruntime threads."""

    model_dir: Path
    threads: int = 2


@dataclass(frozen=True)
class FactCheckConfig:
    """The archive, the embedding model, and how many matches of which score are returned."""

    archive_path: Path
    embedding: EmbeddingConfig
    top_k: int = 3
    min_score: float = 0.5


def build_embedder(config: EmbeddingConfig) -> OnnxEmbedder:
    from workers.sources.factchecks.embedding import OnnxEmbedder

    return OnnxEmbedder(config.model_dir, threads=config.threads)


def build_matcher(
    config: EmbeddingConfig, archive: FactCheckArchive, embedder: OnnxEmbedder | None = None
) -> Matcher:
    """A matcher over ``archive`` and the embedding model (``embedder``, made if None)."""
    return Matcher(
        archive,
        embedder or build_embedder(config),
        fusion=Matcher.fusion_for(config.model_dir),
    )


def passage_text(fc: FactCheck) -> str:
    """What a journalist reads: who rated which claim how, and when."""
    who = fc.publisher or "A fact-checker"
    made_by = f" (made by {fc.claimant})" if fc.claimant else ""
    rated = f' as "{fc.rating}"' if fc.rating else ""
    when = f" on {fc.published}" if fc.published else ""
    return f'{who} rated the claim "{fc.claim}"{made_by}{rated}{when}.'


def to_passage(fc: FactCheck, score: float) -> Passage:
    return Passage(
        source=SOURCE_NAME,
        doc_id=fc.id,
        title=fc.title or fc.claim,
        url=fc.url,
        text=passage_text(fc),
        score=max(0.0, min(1.0, score)),
        publisher=fc.publisher,
        published=fc.published,
        rating=fc.rating,
        label=fc.label,
    )


class FactCheckSource:
    """Earlier fact-checks of the claim, from the local archive; implements ``Source``."""

    name = SOURCE_NAME

    def __init__(self, matcher: Matcher, *, top_k: int = 3, min_score: float = 0.5) -> None:
        self.matcher = matcher
        self.top_k = top_k
        self.min_score = min_score
        if matcher.archive.count() == 0:
            log.warning(
                "fact-check archive %s is empty: nothing will match "
                "(import one with `claimcheck factchecks import FILE`)",
                matcher.archive.path,
            )

    @classmethod
    def from_config(
        cls, config: FactCheckConfig, embedder: OnnxEmbedder | None = None
    ) -> FactCheckSource:
        """The configured archive; ``embedder`` is the process's model (made if None)."""
        return cls(
            build_matcher(config.embedding, FactCheckArchive(config.archive_path), embedder),
            top_k=config.top_k,
            min_score=config.min_score,
        )

    def search(self, claim: str, limit: int, *, timeout_s: float | None = None) -> list[Passage]:
        """Up to ``min(limit, top_k)`` matches scoring at least ``min_score``, best first.

        A local search: ``timeout_s`` is not needed and ignored."""
        wanted = min(limit, self.top_k)
        if wanted <= 0 or not claim.strip():
            return []
        matches = self.matcher.match(claim, wanted)
        return [to_passage(m.factcheck, m.score) for m in matches if m.score >= self.min_score]

    def close(self) -> None:
        self.matcher.archive.close()
