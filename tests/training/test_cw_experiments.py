"""The check-worthiness experiment helpers: features, paired bootstrap, thresholds, cache."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from training import cw_signals


def test_sentence_features_see_numbers_names_and_sources() -> None:
    f = cw_signals.sentence_features(
        "According to the CDC, 40 percent of adults in Ohio smoked in 2019."
    )
    assert f["number_density"] > 0.1
    assert f["has_year"] == 1.0 and f["has_percent"] == 1.0
    assert f["source_cue"] == 1.0
    assert f["entity_density"] > 0.1  # CDC, Ohio
    g = cw_signals.sentence_features("I think we will win?")
    assert g["opinion_cue"] == 1.0 and g["question"] == 1.0
    assert g["number_density"] == 0.0 and g["source_cue"] == 0.0


def test_neighbour_scores_follow_ids() -> None:
    rows = [{"id": "ct24-en:10"}, {"id": "ct19:d1:3"}, {"id": "tweet"}]
    pool = {"ct24-en:9": 0.9, "ct19:d1:4": 0.1}
    x = cw_signals.neighbour_scores(rows, pool)
    assert x[0, 0] > 0 and x[0, 1] == 0 and x[0, 2] == 0.5
    assert x[1, 0] == 0 and x[1, 1] < 0 and x[1, 2] == 0.5
    assert not x[2].any()
    m = cw_signals.matrix([{"id": "a:1", "text": "It rose 5%."}], ["numbers", "neighbours"], {})
    assert m.shape == (1, len(cw_signals.GROUPS["numbers"]) + 3)


def test_paired_bootstrap_and_threshold() -> None:
    pytest.importorskip("sklearn", reason="training.cw_experiments needs scikit-learn")
    from training.cw_experiments import best_threshold, paired_bootstrap, prf

    rng = np.random.default_rng(0)
    y = rng.random(400) < 0.3
    same = paired_bootstrap(y.copy(), y.copy(), y, n=200)
    assert same["mean"] == 0.0 and same["wins"] == 0.0
    noisy = y ^ (rng.random(400) < 0.2)
    better = paired_bootstrap(y.copy(), noisy, y, n=200)
    assert better["lo"] > 0 and better["wins"] == 1.0
    worse = paired_bootstrap(noisy, y.copy(), y, n=200)
    assert worse["hi"] < 0
    scores = np.where(y, 0.8, 0.2)
    t = best_threshold([scores], [y])
    assert 0.2 < t <= 0.8 and prf(scores >= t, y)[2] == 1.0


def test_cache_writes_scores_in_file_order(tmp_path: Path) -> None:
    from training.cw_cache import cache_file, load

    src = tmp_path / "x.jsonl"
    rows = [{"id": f"x:{i}", "text": "t" * (i + 1), "checkworthy": i % 2 == 0} for i in range(3)]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))

    class Model:
        def score(self, texts: list[str]) -> list[float]:
            return [len(t) / 10 for t in texts]

    assert cache_file(Model(), src, tmp_path / "x.cache.jsonl") == 3
    (tmp_path / "x.cache.jsonl").rename(tmp_path / "y.jsonl")
    got = load(tmp_path, "y")
    assert [r["score"] for r in got] == [0.1, 0.2, 0.3]
    assert [r["checkworthy"] for r in got] == [True, False, True]
