"""Matching metrics, the threshold choice, and ``eval-matching --fit`` on a tiny data set."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lab.main import main
from lab.matching_metrics import (
    Query,
    average_precision_at,
    choose_threshold,
    decisions_at,
    ranking_metrics,
)
from tests.workers.sources.factchecks.conftest import ARCHIVE_ROWS, write_jsonl
from workers.sources.factchecks.embedding import DEFAULT_MODEL_DIR


def test_average_precision_at_k() -> None:
    gold = frozenset({"a"})
    assert average_precision_at(["a", "b"], gold, 5) == 1.0
    assert average_precision_at(["b", "a"], gold, 5) == 0.5
    assert average_precision_at(["b", "c", "d", "e", "f", "a"], gold, 5) == 0.0
    two = frozenset({"a", "b"})
    assert average_precision_at(["a", "x", "b"], two, 5) == pytest.approx((1 + 2 / 3) / 2)


def test_ranking_metrics() -> None:
    queries = [Query("1", "t", frozenset({"a"})), Query("2", "t", frozenset({"b"}))]
    got = ranking_metrics([["a", "b"], ["a", "c"]], queries, 5)
    assert got == {"map@5": 0.5, "recall@5": 0.5, "precision@1": 0.5}


def test_threshold_choice_and_decisions() -> None:
    with_gold = [(0.99, True), (0.95, True), (0.9, False), (0.5, True)]
    without_gold = [(0.97, False), (0.6, False), (0.2, False), (0.1, False)]
    chosen = choose_threshold(with_gold, without_gold, min_precision=0.6)
    assert chosen["threshold"] == 0.95  # 2 of 3 right from 0.95 on; 2 of 4 at 0.9
    assert chosen["decided"] == 0.5 and chosen["false_matches"] == 1.0
    at = decisions_at(with_gold, without_gold, 0.98)
    assert at == {"threshold": 0.98, "precision": 1.0, "decided": 0.25, "false_matches": 0.0}
    assert choose_threshold([(0.5, False)], [(0.4, False)])["decided"] == 0.0


def test_eval_matching_fits_and_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    model_dir = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, model_dir)
    (model_dir / "fusion.json").unlink()
    data = tmp_path / "data" / "claim-matching"
    data.mkdir(parents=True)
    write_jsonl(data / "ct20-snopes.archive.jsonl", ARCHIVE_ROWS)
    train = [
        {"id": "t1", "text": "Windmill noise gives you cancer", "matches": ["pf:windmills"]},
        {"id": "t2", "text": "They will tear down the Eiffel Tower", "matches": ["afp:eiffel"]},
        {"id": "t3", "text": "Apollo 11 was filmed on a sound stage", "matches": ["pf:moon"]},
    ]
    dev = [
        {
            "id": "d1",
            "text": "Vaccines have 5G microchips in them",
            "matches": ["snopes:vaccine-5g"],
        },
        {"id": "d2", "text": "A hangover is cured by a banana", "matches": ["ff:bananas"]},
    ]
    write_jsonl(data / "ct20-snopes.train.queries.jsonl", train)
    write_jsonl(data / "ct20-snopes.dev.queries.jsonl", dev)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLAIMCHECK_EMBEDDING_MODEL_DIR", str(model_dir))
    monkeypatch.setenv("CLAIMCHECK_ONNX_THREADS", "1")
    report = tmp_path / "report.json"
    args = ["eval-matching", "--data-dir", str(tmp_path / "data"), "--output", str(report)]
    assert main([*args, "--fit"]) == 0
    out = capsys.readouterr().out
    assert "fitted fusion on ct20-snopes.train.queries.jsonl" in out
    assert "MAP@5 1.0000" in out and "2 queries against 8 fact-checks" in out
    fusion = json.loads((model_dir / "fusion.json").read_text())
    assert len(fusion["weights"]) == len(fusion["features"]) == 7
    got = json.loads(report.read_text())
    assert got["dev"]["map@5"] == 1.0 and got["dev"]["queries"] == 2
    assert set(got["threshold"]) == {
        "chosen_on_dev",
        "min_precision",
        "configured",
        "at_configured",
    }
