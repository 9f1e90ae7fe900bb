"""Claim matching: earlier fact-checks of the same claim, however it is worded.

Two retrievers, one scorer:

1. **lexical**: BM25 over the archive's FTS5 index (claim, headline, claimant), the
   ``lexical_candidates`` best rows;
2. **dense**: cosine similarity between the query's MiniLM embedding and every stored
   archive embedding (one matrix-vector product; 10,000 rows take well under a millisecond),
   the ``dense_candidates`` best rows;
3. **fusion**: every candidate of either list gets a few features (cosine; its margin over
   the best other candidate's cosine; BM25 relative to the query's best BM25 and its margin
   over the best other candidate's; reciprocal ranks in both lists) and a logistic model
   turns them into the probability that it fact-checks the same claim. That probability is
   the match ``score``: it orders the matches, and the verdict threshold
   (``CLAIMCHECK_FACTCHECK_MATCH_THRESHOLD``) is compared with it.

The fusion weights live in ``fusion.json`` beside the embedding model; they are fitted on
the training queries of ct20-snopes only (``claimcheck-lab eval-matching --fit``). Without the
file, :data:`DEFAULT_FUSION` is used.

One :class:`Matcher` serves the CLI (``claimcheck match``), the evaluation and the
``factchecks`` source. It keeps the archive's embedding matrix in memory and reloads it
when an import bumped the archive's version. Verbatim duplicates in the archive (same
claim words, publisher and rating: ct20-snopes has 184 such groups, differing only in
quote marks) are reported once, as the first-imported record.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from workers.sources.base import Embedder
from workers.sources.factchecks.archive import (
    FactCheckArchive,
    Vectors,
    embedding_text,
)
from workers.sources.factchecks.formats import FactCheck

log = logging.getLogger(__name__)

FUSION_FILE = "fusion.json"
FEATURES = (
    "cosine",
    "cosine_gap",
    "bm25_relative",
    "bm25_gap",
    "dense_rr",
    "lexical_rr",
    "bias",
)


@dataclass(frozen=True)
class Fusion:
    """Logistic weights over :data:`FEATURES` (the last one is the intercept)."""

    weights: tuple[float, ...]
    lexical_candidates: int = 50
    dense_candidates: int = 50

    def score(self, features: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        z = features @ np.asarray(self.weights, dtype=np.float64)
        result: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-z))
        return result

    @classmethod
    def load(cls, path: Path) -> Fusion:
        data = json.loads(path.read_text(encoding="utf-8"))
        if list(data["features"]) != list(FEATURES):
            raise ValueError(f"{path}: features {data['features']} are not {list(FEATURES)}")
        return cls(
            weights=tuple(float(w) for w in data["weights"]),
            lexical_candidates=int(data.get("lexical_candidates", 50)),
            dense_candidates=int(data.get("dense_candidates", 50)),
        )


DEFAULT_FUSION = Fusion(weights=(10.0, 10.0, 1.0, 1.0, 1.0, 1.0, -9.0))
"""A hand-set fallback: cosine dominates, lexical agreement and rank break ties."""


@dataclass(frozen=True)
class Match:
    """A fact-check that may address the query's claim."""

    factcheck: FactCheck
    score: float
    """Probability (fusion model) that it fact-checks the same claim."""
    cosine: float
    bm25: float


def document_text(claim: str, title: str | None) -> str:
    """What is embedded for an archive entry (the same function the archive uses)."""
    return embedding_text(claim, title)


def clean_query(text: str) -> str:
    """A query as the matcher embeds it: whitespace collapsed, nothing else removed.

    Tweets keep their links and signature ("— Name (@handle) date"): on ct20-snopes dev,
    removing them lowered MAP@5 (the author's name is often in the fact-check's headline).
    """
    return " ".join(text.split())


class Matcher:
    """Lexical + dense retrieval over a :class:`FactCheckArchive`, fused into one score."""

    def __init__(
        self,
        archive: FactCheckArchive,
        embedder: Embedder,
        *,
        fusion: Fusion | None = None,
    ) -> None:
        self.archive = archive
        self.embedder = embedder
        self.fusion = fusion or DEFAULT_FUSION
        self._lock = threading.Lock()
        self._vectors: Vectors | None = None

    @classmethod
    def fusion_for(cls, model_dir: Path) -> Fusion:
        path = model_dir / FUSION_FILE
        return Fusion.load(path) if path.is_file() else DEFAULT_FUSION

    def vectors(self) -> Vectors:
        """The archive's embeddings, reloaded when the archive changed since last time."""
        version = self.archive.version()
        current = self._vectors
        if current is not None and current.version == version:
            return current
        with self._lock:
            if self._vectors is None or self._vectors.version != version:
                missing = self.archive.missing_embeddings(self.embedder.model_id)
                if missing:
                    log.warning(
                        "%d fact-checks in %s have no embedding from this model and are "
                        "found by BM25 only; re-run `claimcheck factchecks import` to embed "
                        "them",
                        missing,
                        self.archive.path,
                    )
                self._vectors = self.archive.vectors(
                    self.embedder.model_id, self.embedder.dimension
                )
            return self._vectors

    def match(self, query: str, top: int) -> list[Match]:
        return self.match_many([query], top)[0]

    def match_many(self, queries: Sequence[str], top: int) -> list[list[Match]]:
        """The ``top`` best matches of each query, best first (one embedding batch)."""
        if not queries:
            return []
        vectors = self.vectors()
        texts = [clean_query(q) for q in queries]
        embedded = self.embedder.embed(texts)
        sims = (
            embedded @ vectors.matrix.T
            if len(vectors.rowids)
            else np.zeros((len(texts), 0), dtype=np.float32)
        )
        scored: list[list[tuple[int, float, float, float]]] = []
        for i, text in enumerate(texts):
            scored.append(self._score(text, sims[i], vectors, top))
        wanted = sorted({rowid for row in scored for rowid, *_ in row})
        records = self.archive.get_many(wanted)
        return [
            [
                Match(factcheck=records[rowid], score=score, cosine=cos, bm25=bm25)
                for rowid, score, cos, bm25 in row
                if rowid in records
            ]
            for row in scored
        ]

    def candidate_features(
        self,
        text: str,
        sims: npt.NDArray[np.float32],
        rowids: npt.NDArray[np.int64],
        *,
        exclude: set[int] | frozenset[int] = frozenset(),
    ) -> tuple[list[int], npt.NDArray[np.float64], list[float], list[float]]:
        """Candidates of both retrievers with their feature rows (for scoring and fitting).

        ``exclude`` (rowids) acts as if those rows were not in the archive (evaluation).
        """
        fusion = self.fusion
        extra = len(exclude)
        lexical = [
            hit
            for hit in self.archive.lexical(text, fusion.lexical_candidates + extra)
            if hit[0] not in exclude
        ][: fusion.lexical_candidates]
        if exclude:
            sims = sims.copy()
            sims[np.isin(rowids, list(exclude))] = -np.inf
        n = len(rowids)
        k = min(fusion.dense_candidates, n)
        if k:
            part = np.argpartition(-sims, k - 1)[:k]
            dense_idx = part[np.argsort(-sims[part], kind="stable")]
            dense_idx = dense_idx[np.isfinite(sims[dense_idx])]  # excluded rows
        else:
            dense_idx = np.zeros(0, dtype=np.int64)
        dense_rank = {int(rowids[j]): r for r, j in enumerate(dense_idx)}
        position = {int(rowids[j]): int(j) for j in dense_idx}
        lexical_rank = {rowid: r for r, (rowid, _) in enumerate(lexical)}
        bm25 = dict(lexical)
        candidates = list(dict.fromkeys([*position, *bm25]))
        missing = [c for c in candidates if c not in position]
        if missing:
            where = np.searchsorted(rowids, missing)
            for rowid, j in zip(missing, where.tolist(), strict=True):
                if j < n and int(rowids[j]) == rowid:
                    position[rowid] = int(j)
        cos = np.array(
            [float(sims[position[c]]) if c in position else 0.0 for c in candidates],
            dtype=np.float64,
        )
        cos[~np.isfinite(cos)] = 0.0
        strength = np.array([bm25.get(c, 0.0) for c in candidates], dtype=np.float64)
        best_bm25 = float(strength.max()) if len(strength) and strength.max() > 0 else 1.0
        features = np.zeros((len(candidates), len(FEATURES)), dtype=np.float64)
        features[:, 0] = cos
        features[:, 1] = cos - _best_other(cos)
        features[:, 2] = strength / best_bm25
        features[:, 3] = (strength - _best_other(strength)) / best_bm25
        features[:, 4] = [1.0 / (1 + dense_rank[c]) if c in dense_rank else 0.0 for c in candidates]
        features[:, 5] = [
            1.0 / (1 + lexical_rank[c]) if c in lexical_rank else 0.0 for c in candidates
        ]
        features[:, 6] = 1.0
        cosines = cos.tolist()
        strengths = strength.tolist()
        return candidates, features, cosines, strengths

    def _score(
        self,
        text: str,
        sims: npt.NDArray[np.float32],
        vectors: Vectors,
        top: int,
    ) -> list[tuple[int, float, float, float]]:
        """The ``top`` best ``(rowid, score, cosine, bm25)``; a row that repeats an earlier
        one (``Vectors.canonical``) counts as that row, reported once with the best score."""
        candidates, features, cosines, strengths = self.candidate_features(
            text, sims, vectors.rowids
        )
        if not candidates:
            return []
        scores = self.fusion.score(features)
        best: dict[int, tuple[float, float, float]] = {}
        for i in np.argsort(-scores, kind="stable").tolist():
            score = float(scores[i])
            if not math.isfinite(score):
                continue
            rowid = vectors.canonical.get(candidates[i], candidates[i])
            if rowid not in best:
                best[rowid] = (round(score, 4), cosines[i], strengths[i])
            if len(best) >= top:
                break
        return [(rowid, *values) for rowid, values in best.items()][: max(0, top)]


def _best_other(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """For each position, the largest value at any other position (0 when alone)."""
    if len(values) < 2:
        return np.zeros_like(values)
    order = np.argsort(-values, kind="stable")
    first, second = values[order[0]], values[order[1]]
    out = np.full_like(values, first)
    out[order[0]] = second
    return out
