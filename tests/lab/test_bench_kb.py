"""``claimcheck-lab bench-kb``'s pieces: grown vectors and one measured size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lab.bench_kb import Matrix, grown, measure, measure_lexical


def _unit(n: int, d: int = 32, seed: int = 0) -> Matrix:
    x = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    out: Matrix = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def test_grown_vectors_keep_the_real_ones_first_and_are_unit_length() -> None:
    base = _unit(50)
    out = grown(base, 500, noise=0.1)
    assert out.shape == (500, 32) and np.array_equal(out[:50], base)
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert len({row.tobytes() for row in out}) == 500  # no vector repeated
    assert np.array_equal(grown(base, 20, noise=0.1), base[:20])


@pytest.mark.timeout(60)
def test_measure_reports_latency_size_and_recall(tmp_path: Path) -> None:
    base = _unit(2000)
    row = measure(base, _unit(20, seed=1), 10, tmp_path)
    assert row["vectors"] == 2000 and row["index_mb"] > 0
    assert row["recall@10"] >= 0.9 and row["ann_p95_ms"] >= row["ann_p50_ms"] > 0
    assert list(tmp_path.iterdir()) == []  # the index files are removed again


@pytest.mark.timeout(60)
def test_measure_lexical_imports_and_times_bm25_search(tmp_path: Path) -> None:
    docs = [
        {"id": f"d{i}", "title": f"Topic {i}", "text": f"City number {i} has {i * 1000} people."}
        for i in range(300)
    ]
    row = measure_lexical(docs, ["How many people live in city number 42?"], tmp_path)
    assert row["documents"] == 300 and row["sqlite_mb"] > 0 and row["p95_ms"] >= row["p50_ms"]
    assert list(tmp_path.iterdir()) == []
