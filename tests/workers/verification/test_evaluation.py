from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SettingsFactory
from workers.context import build_verifier, close_verifier
from workers.verification.evaluation import (
    discover,
    evaluate_file,
    expected_calibration_error,
    render,
    role_of,
    score,
)


def test_roles_follow_data_md() -> None:
    assert role_of(Path("covid-fact.test.jsonl")) == "eval"
    assert role_of(Path("factcheck-gpt-stance.jsonl")) == "eval"
    assert role_of(Path("healthver.dev.jsonl")) == "dev"
    assert role_of(Path("vitaminc-real.train.jsonl")) is None


def test_discover_never_returns_training_files(tmp_path: Path) -> None:
    for name in ["a.train.jsonl", "b.dev.jsonl", "c.test.jsonl", "factcheck-gpt-stance.jsonl"]:
        (tmp_path / name).write_text("")
    found = [(p.name, r) for p, r in discover(tmp_path, ["eval", "dev"])]
    assert found == [
        ("b.dev.jsonl", "dev"),
        ("c.test.jsonl", "eval"),
        ("factcheck-gpt-stance.jsonl", "eval"),
    ]
    assert [p.name for p, _ in discover(tmp_path, ["dev"])] == ["b.dev.jsonl"]


def test_score_by_hand() -> None:
    gold = ["supported", "supported", "refuted", "refuted"]
    pred = ["supported", "refuted", "refuted", "not_enough_info"]
    accuracy, macro_f1, per_class = score(gold, pred)
    assert accuracy == pytest.approx(0.5)
    # supported: P=1, R=.5, F1=2/3; refuted: P=.5, R=.5, F1=.5
    assert per_class["supported"].f1 == pytest.approx(2 / 3)
    assert per_class["refuted"].f1 == pytest.approx(0.5)
    assert macro_f1 == pytest.approx((2 / 3 + 0.5) / 2)
    assert "not_enough_info" not in per_class  # not a gold class of this file
    with pytest.raises(ValueError):
        score(["supported"], [])


def test_evaluate_file_end_to_end(tmp_path: Path, settings_factory: SettingsFactory) -> None:
    rows = [
        {
            "id": "r1",
            "claim": "The Eiffel Tower is in Paris.",
            "evidence": ["The Eiffel Tower is a wrought-iron tower in Paris, France."],
            "label": "supported",
        },
        {
            "id": "r2",
            "claim": "The Eiffel Tower is in Paris.",
            "evidence": ["Bananas are rich in potassium."],
            "label": "not_enough_info",
        },
    ]
    data = tmp_path / "toy.test.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    verifier = build_verifier(settings_factory(kb_path=tmp_path / "kb.sqlite3"))
    try:
        report = evaluate_file(data, "eval", verifier, tmp_path / "work")
    finally:
        close_verifier(verifier)
    assert report.rows == 2
    assert sum(sum(row.values()) for row in report.confusion.values()) == 2
    assert report.confusion["not_enough_info"]["not_enough_info"] == 1
    assert report.claims_per_second > 0
    assert report.pairs_per_second >= report.claims_per_second  # one sentence or more each
    text = render(report)
    assert "toy.test.jsonl [eval] rows=2" in text


def test_expected_calibration_error_by_hand() -> None:
    # perfectly calibrated: 80% confident, 80% right
    assert expected_calibration_error([0.8] * 5, [True] * 4 + [False]) == pytest.approx(0.0)
    # always 90% confident, right half of the time -> gap 0.4
    assert expected_calibration_error([0.9] * 4, [True, False] * 2) == pytest.approx(0.4)
    # two bins of equal weight: |1.0 - 0.95| and |0.0 - 0.25|
    ece = expected_calibration_error([0.95, 0.25], [True, False])
    assert ece == pytest.approx((0.05 + 0.25) / 2)
