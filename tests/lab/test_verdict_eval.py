from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.verdict_eval import (
    DecidedScores,
    Prediction,
    build_report,
    check_line,
    decided_scores,
    discover,
    evaluate_file,
    expected_calibration_error,
    pool_decided,
    pooled,
    read_predictions,
    render,
    render_pooled,
    role_of,
    score,
    to_json,
)
from tests.conftest import SettingsFactory
from workers.context import build_verifier, close_verifier


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
    assert "decided precision ≥ 0.90: " in text
    # the decided numbers agree with the verdicts written to the predictions file
    predictions = read_predictions(tmp_path / "work" / "toy.test.predictions.jsonl")
    decided = [
        (p, row["label"])
        for p, row in zip(predictions, rows, strict=True)
        if not p.needs_review and p.label in ("supported", "refuted")
    ]
    assert report.decided.decided == len(decided)
    assert report.decided.correct == sum(p.label == gold for p, gold in decided)
    assert report.decided.coverage == pytest.approx(len(decided) / 2)
    assert sum(d.decided for d in report.decided_by_label.values()) == report.decided.decided
    data = json.loads(to_json([report], "v"))
    assert data["files"][0]["decided"]["decided"] == len(decided)
    assert data["pooled"]["rows"] == 2


def test_expected_calibration_error_by_hand() -> None:
    # perfectly calibrated: 80% confident, 80% right
    assert expected_calibration_error([0.8] * 5, [True] * 4 + [False]) == pytest.approx(0.0)
    # always 90% confident, right half of the time -> gap 0.4
    assert expected_calibration_error([0.9] * 4, [True, False] * 2) == pytest.approx(0.4)
    # two bins of equal weight: |1.0 - 0.95| and |0.0 - 0.25|
    ece = expected_calibration_error([0.95, 0.25], [True, False])
    assert ece == pytest.approx((0.05 + 0.25) / 2)


GOLD = ["supported", "supported", "supported", "refuted", "refuted", "not_enough_info"]
PRED = ["supported", "supported", "refuted", "refuted", "supported", "supported"]
REVIEW = [False, False, False, True, False, False]


def test_decided_precision_and_coverage_by_hand() -> None:
    # decided (no review, label supported/refuted): rows 0, 1, 2, 4, 5 -> 5 of 6 claims;
    # right: rows 0 and 1 -> precision 2/5, coverage 5/6
    d = decided_scores(GOLD, PRED, REVIEW)
    assert (d.decided, d.correct, d.total) == (5, 2, 6)
    assert d.precision == pytest.approx(2 / 5)
    assert d.coverage == pytest.approx(5 / 6)
    assert not d.meets_target
    # predicted supported and decided: rows 0, 1, 4, 5, right 0 and 1 -> 2/4, coverage 4/6
    sup = decided_scores(GOLD, PRED, REVIEW, label="supported")
    assert (sup.decided, sup.correct) == (4, 2)
    assert sup.precision == pytest.approx(0.5) and sup.coverage == pytest.approx(4 / 6)
    # predicted refuted: row 3 needs review, row 2 is decided and wrong -> 0/1, coverage 1/6
    ref = decided_scores(GOLD, PRED, REVIEW, label="refuted")
    assert (ref.decided, ref.correct) == (1, 0)
    assert ref.precision == pytest.approx(0.0) and ref.coverage == pytest.approx(1 / 6)
    assert sup.coverage + ref.coverage == pytest.approx(d.coverage)
    # not_enough_info and conflicting verdicts are never decided, reviewed or not
    nei = decided_scores(["supported", "refuted"], ["not_enough_info", "conflicting"], [False] * 2)
    assert nei.decided == 0 and nei.precision is None and nei.coverage == 0.0
    assert "✗ (no claim decided)" in check_line(nei)
    with pytest.raises(ValueError):
        decided_scores(GOLD, PRED, REVIEW[:-1])


def test_decided_precision_target_check() -> None:
    assert check_line(DecidedScores.of(10, 9, 20)) == "decided precision ≥ 0.90: ✓"
    assert check_line(DecidedScores.of(10, 8, 20)) == "decided precision ≥ 0.90: ✗"
    assert DecidedScores.of(0, 0, 0).coverage == 0.0


def test_pooled_decided_counts_every_claim() -> None:
    # file a: 9 of 10 decided right over 20 claims; file b: 1 of 2 over 4 claims
    pooled_scores = pool_decided([DecidedScores.of(10, 9, 20), DecidedScores.of(2, 1, 4)])
    assert (pooled_scores.decided, pooled_scores.correct, pooled_scores.total) == (12, 10, 24)
    assert pooled_scores.precision == pytest.approx(10 / 12)
    assert pooled_scores.coverage == pytest.approx(0.5)


def _predictions(labels: list[str], review: list[bool]) -> list[Prediction]:
    return [
        Prediction(id=f"r{i}", label=label, confidence=0.9, needs_review=flag, evidence_ids=())
        for i, (label, flag) in enumerate(zip(labels, review, strict=True))
    ]


def test_build_report_and_pooled_summary() -> None:
    gold_pairs = [(f"r{i}", g) for i, g in enumerate(GOLD)]
    report = build_report(
        "a.test.jsonl", "eval", gold_pairs, _predictions(PRED, REVIEW), seconds=2.0, pairs=12
    )
    assert report.accuracy == pytest.approx(3 / 6)  # rows 0, 1, 3
    assert report.decided.precision == pytest.approx(2 / 5)
    assert report.decided_by_label["refuted"].decided == 1
    assert report.claims_per_second == pytest.approx(3.0)
    assert report.pairs_per_second == pytest.approx(6.0)
    other = build_report(
        "b.dev.jsonl",
        "dev",
        [("x", "refuted"), ("y", "supported")],
        [
            Prediction("x", "refuted", 0.8, False, ("d1",)),
            Prediction("y", "not_enough_info", 0.5, True, ()),
        ],
        seconds=1.0,
        pairs=2,
    )
    summary = pooled([report, other])
    assert summary.rows == 8
    assert summary.accuracy == pytest.approx((3 + 1) / 8)
    assert (summary.decided.decided, summary.decided.correct) == (6, 3)
    assert summary.decided.coverage == pytest.approx(6 / 8)
    assert summary.decided_by_label["refuted"].decided == 2
    line = render_pooled([report, other])
    assert "pooled over 2 files, 8 claims" in line
    assert "decided precision=0.500" in line and "decided precision ≥ 0.90: ✗" in line
    text = render(report)
    assert "decided precision=0.400 coverage=0.833 (2/5 right, 5/6 decided)" in text
    with pytest.raises(ValueError, match="expected"):
        build_report(
            "c", "dev", [("a", "refuted")], _predictions(["refuted"], [False]), seconds=1.0, pairs=0
        )


def test_read_predictions_takes_the_whole_verdict(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    rows = [
        {
            "id": 7,
            "claim_id": "7",
            "label": "refuted",
            "confidence": 0.75,
            "needs_review": False,
            "evidence": [{"doc_id": "d2", "text": "x"}, {"doc_id": "d1", "text": "y"}],
        },
        {"id": "b", "label": "not_enough_info", "confidence": 0.0, "needs_review": True},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "\n")
    first, second = read_predictions(path)
    assert first == Prediction(7, "refuted", 0.75, False, ("d2", "d1"))
    assert second.evidence_ids == () and second.needs_review
