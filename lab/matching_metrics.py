"""Measuring claim matching (MAP@k, recall@k, queries/s), fitting the fusion weights and
choosing the strong-match threshold.

Query files are ``{"id", "text", "matches": [archive ids]}`` (ct20-snopes). Two runs per
query tell a strong match from a weak one: as given, and with its gold fact-checks removed
from the archive ("leave-gold-out"), which is what a claim nobody has fact-checked looks
like. The fusion model is fitted on both kinds of candidates of the **training** queries;
the threshold is chosen on the **dev** queries.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from shared.errors import InputError
from workers.sources.factchecks.archive import FactCheckArchive
from workers.sources.factchecks.matching import FEATURES, Fusion, Matcher, clean_query

BATCH = 32
_WORDS = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Query:
    id: str
    text: str
    matches: frozenset[str]


def load_queries(path: Path) -> list[Query]:
    out: list[Query] = []
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            if not isinstance(row.get("text"), str) or not isinstance(row.get("matches"), list):
                raise InputError(f"{path}:{lineno}: expected 'text' and 'matches'")
            out.append(Query(str(row["id"]), row["text"], frozenset(map(str, row["matches"]))))
    return out


def average_precision_at(ranked: Sequence[str], gold: frozenset[str], k: int) -> float:
    """AP@k as in CheckThat! 2020 task 2: precision at each hit, over min(|gold|, k)."""
    hits = 0
    total = 0.0
    for rank, doc in enumerate(ranked[:k], start=1):
        if doc in gold:
            hits += 1
            total += hits / rank
    return total / min(len(gold), k) if gold else 0.0


def ranking_metrics(
    rankings: Sequence[Sequence[str]], queries: Sequence[Query], k: int = 5
) -> dict[str, float]:
    aps = [average_precision_at(r, q.matches, k) for r, q in zip(rankings, queries, strict=True)]
    recalls = [
        len(set(r[:k]) & q.matches) / len(q.matches) if q.matches else 0.0
        for r, q in zip(rankings, queries, strict=True)
    ]
    firsts = [
        1.0 if r and r[0] in q.matches else 0.0 for r, q in zip(rankings, queries, strict=True)
    ]
    return {
        f"map@{k}": round(float(np.mean(aps)), 4) if aps else 0.0,
        f"recall@{k}": round(float(np.mean(recalls)), 4) if recalls else 0.0,
        "precision@1": round(float(np.mean(firsts)), 4) if firsts else 0.0,
    }


def rank_queries(
    matcher: Matcher, queries: Sequence[Query], k: int, *, batch: int = BATCH
) -> tuple[list[list[tuple[str, float]]], float]:
    """``(id, score)`` lists per query and the seconds it took (embedding included)."""
    started = time.perf_counter()
    out: list[list[tuple[str, float]]] = []
    for start in range(0, len(queries), batch):
        chunk = queries[start : start + batch]
        for matches in matcher.match_many([q.text for q in chunk], k):
            out.append([(m.factcheck.id, m.score) for m in matches])
    return out, time.perf_counter() - started


def _claim_key(text: str) -> str:
    return " ".join(_WORDS.findall(text.casefold()))


class SameClaim:
    """Gold fact-checks and their verbatim duplicates in the archive.

    ct20-snopes holds 184 groups of fact-checks whose claims differ only in quotes or
    case; for the threshold (is the best match *a* fact-check of this claim?) and for the
    leave-gold-out runs a duplicate of the gold counts as the gold.
    """

    def __init__(self, archive: FactCheckArchive) -> None:
        self._archive = archive
        self._by_key: dict[str, set[int]] = {}
        for rowid, fc in archive.iter_all():
            self._by_key.setdefault(_claim_key(fc.claim), set()).add(rowid)

    def rowids(self, ids: frozenset[str]) -> set[int]:
        found: set[int] = set()
        for i in ids:
            fc = self._archive.get(i)
            if fc is not None:
                found |= self._by_key.get(_claim_key(fc.claim), set())
        return found


def candidate_sets(
    matcher: Matcher, queries: Sequence[Query], *, leave_gold_out: bool
) -> list[tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]]:
    """Feature rows of every candidate of every query and whether each is a gold match
    (or a verbatim duplicate of one, see :class:`SameClaim`)."""
    vectors = matcher.vectors()
    same = SameClaim(matcher.archive)
    out = []
    for start in range(0, len(queries), BATCH):
        chunk = queries[start : start + BATCH]
        embedded = matcher.embedder.embed([clean_query(q.text) for q in chunk])
        sims = embedded @ vectors.matrix.T
        for i, query in enumerate(chunk):
            gold = same.rowids(query.matches)
            exclude = gold if leave_gold_out else set()
            candidates, features, _, _ = matcher.candidate_features(
                clean_query(query.text), sims[i], vectors.rowids, exclude=exclude
            )
            labels = np.array([c in gold for c in candidates], dtype=bool)
            out.append((features, labels))
    return out


def fit_fusion(
    matcher: Matcher, queries: Sequence[Query], *, l2: float = 1e-2, iterations: int = 50
) -> tuple[Fusion, dict[str, Any]]:
    """Logistic regression (Newton's method, L2) over the candidates of ``queries``,
    with and without their gold fact-checks in the archive."""
    sets = candidate_sets(matcher, queries, leave_gold_out=False) + candidate_sets(
        matcher, queries, leave_gold_out=True
    )
    x = np.concatenate([f for f, _ in sets])
    y = np.concatenate([lab for _, lab in sets]).astype(np.float64)
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[-1] = 0.0  # no penalty on the intercept
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y) + penalty * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    p = 1.0 / (1.0 + np.exp(-(x @ w)))
    eps = 1e-12
    loss = float(-np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)))
    fusion = Fusion(
        weights=tuple(round(float(v), 5) for v in w),
        lexical_candidates=matcher.fusion.lexical_candidates,
        dense_candidates=matcher.fusion.dense_candidates,
    )
    info = {"candidates": len(y), "positives": int(y.sum()), "log_loss": round(loss, 5)}
    return fusion, info


def save_fusion(fusion: Fusion, path: Path, info: dict[str, Any]) -> None:
    data = {
        "features": list(FEATURES),
        "weights": list(fusion.weights),
        "lexical_candidates": fusion.lexical_candidates,
        "dense_candidates": fusion.dense_candidates,
        "fitted_on": info,
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def top1_scores(
    matcher: Matcher, queries: Sequence[Query], *, leave_gold_out: bool
) -> list[tuple[float, bool]]:
    """Score of each query's best match and whether that match is a gold one."""
    out = []
    for features, labels in candidate_sets(matcher, queries, leave_gold_out=leave_gold_out):
        if len(labels) == 0:
            out.append((0.0, False))
            continue
        scores = matcher.fusion.score(features)
        best = int(np.argmax(scores))
        out.append((float(scores[best]), bool(labels[best])))
    return out


def choose_threshold(
    with_gold: Sequence[tuple[float, bool]],
    without_gold: Sequence[tuple[float, bool]],
    *,
    min_precision: float = 0.95,
) -> dict[str, float]:
    """The lowest threshold whose decisions (best match scored at least it) are right
    at least ``min_precision`` of the time, pooling both runs; with its precision and the
    share of the queries (gold present) it decides rightly."""
    pooled = sorted([*with_gold, *without_gold], key=lambda sc: -sc[0])
    queries = len(with_gold) or 1
    best = {"threshold": 1.0, "precision": 1.0, "decided": 0.0, "false_matches": 0.0}
    correct = 0
    for n, (score, ok) in enumerate(pooled, start=1):
        correct += ok
        precision = correct / n
        if n < len(pooled) and pooled[n][0] == score:
            continue  # ties: decide only at the last of equal scores
        if precision >= min_precision:
            best = {
                "threshold": round(score, 4),
                "precision": round(precision, 4),
                "decided": round(correct / queries, 4),
                "false_matches": float(n - correct),
            }
    return best


def decisions_at(
    with_gold: Sequence[tuple[float, bool]],
    without_gold: Sequence[tuple[float, bool]],
    threshold: float,
) -> dict[str, float]:
    """Precision and reach of the strong-match rule at ``threshold``, pooling both runs."""
    decided = [ok for score, ok in [*with_gold, *without_gold] if score >= threshold]
    correct = sum(decided)
    return {
        "threshold": threshold,
        "precision": round(correct / len(decided), 4) if decided else 1.0,
        "decided": round(correct / (len(with_gold) or 1), 4),
        "false_matches": float(len(decided) - correct),
    }
