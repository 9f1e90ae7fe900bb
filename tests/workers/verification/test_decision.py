from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lab.decision_fit import DevRows, choose_thresholds, fit_decision
from workers.verification.decision import (
    CLASSES,
    FEATURES,
    DecisionModel,
    features,
    fit_logistic,
    judge_sentences,
)
from workers.verification.mismatch import mismatch
from workers.verification.stance import StanceScore


def _score(sup: float, ref: float) -> StanceScore:
    return StanceScore(sup, ref, 1.0 - sup - ref, sup + ref)


CLAIM = "Jane Doe has been mayor of Springfield since 2020."


def test_features_read_the_whole_evidence_set_and_its_mismatches() -> None:
    judged = judge_sentences(
        CLAIM,
        [
            "Jane Doe has been the mayor of Springfield since January 2024.",
            "Springfield is a city in Illinois.",
        ],
        [_score(0.8, 0.1), _score(0.05, 0.05)],
    )
    x = dict(zip(FEATURES, features(judged), strict=True))
    assert x["max_support"] == pytest.approx(0.8)
    assert x["support_x_year"] == pytest.approx(0.8)  # 2020 against 2024
    assert x["support_x_number"] == 0.0
    assert x["log_n_support"] == pytest.approx(np.log1p(1))
    empty = dict(zip(FEATURES, features([]), strict=True))
    assert empty["min_neutral"] == 1.0 and empty["max_support"] == 0.0


def _model(thresholds: dict[str, float]) -> DecisionModel:
    # supported <- max_support, refuted <- max_refute, NEI <- min_neutral
    weights = np.zeros((len(FEATURES), 3))
    weights[FEATURES.index("max_support"), 0] = 8.0
    weights[FEATURES.index("max_refute"), 1] = 8.0
    weights[FEATURES.index("min_neutral"), 2] = 8.0
    zeros, ones = np.zeros(len(FEATURES)), np.ones(len(FEATURES))
    return DecisionModel(weights, np.zeros(3), zeros, ones, review_thresholds=thresholds)


def test_review_thresholds_decide_which_verdicts_need_a_person(tmp_path: Path) -> None:
    model = _model({"supported": 0.9})
    strong = judge_sentences(
        CLAIM, ["Jane Doe is mayor of Springfield since 2020."], [_score(0.95, 0.0)]
    )
    weak = judge_sentences(
        CLAIM, ["Jane Doe is mayor of Springfield since 2020."], [_score(0.5, 0.1)]
    )
    refuting = judge_sentences(
        CLAIM, ["Jane Doe is not mayor of Springfield."], [_score(0.0, 0.97)]
    )
    assert (model.decide(strong).label, model.decide(strong).needs_review) == ("supported", False)
    assert (model.decide(weak).label, model.decide(weak).needs_review) == ("supported", True)
    assert model.decide(refuting).label == "refuted"
    assert model.decide(refuting).needs_review  # no threshold for refuted: always reviewed
    path = tmp_path / "decision.json"
    path.write_text(model.to_json(), encoding="utf-8")
    again = DecisionModel.load(path)
    assert again.decide(strong) == model.decide(strong)


def test_strong_support_and_refutation_from_different_sentences_conflict() -> None:
    judged = judge_sentences(
        CLAIM,
        [
            "Jane Doe has been mayor of Springfield since 2020.",
            "Jane Doe was never mayor of Springfield.",
        ],
        [_score(0.9, 0.05), _score(0.05, 0.9)],
    )
    outcome = _model({"supported": 0.5, "refuted": 0.5}).decide(judged)
    assert outcome.label == "conflicting" and outcome.needs_review


def _synthetic(n: int, seed: int) -> DevRows:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.normal(0, 1, (n, len(FEATURES)))
    x[np.arange(n), y] += 2.5  # the first three features carry the label
    files = ["a.jsonl" if i % 2 else "b.jsonl" for i in range(n)]
    return DevRows(ids=[f"r{i}" for i in range(n)], files=files, x=x, y=y.astype(np.int64))


def test_the_fitted_decision_learns_the_labels_and_meets_its_precision_target() -> None:
    rows = _synthetic(1200, seed=3)
    fit = fit_decision(rows, target=0.95, min_decided=20)
    predicted = fit.oof_probabilities.argmax(axis=1)
    assert (predicted == rows.y).mean() > 0.8  # out of fold
    assert set(fit.model.review_thresholds) == set(CLASSES)
    confidence = fit.oof_probabilities.max(axis=1)
    for k, label in enumerate(CLASSES):
        decided = (predicted == k) & (confidence >= fit.model.review_thresholds[label])
        assert decided.sum() >= 20
        assert (rows.y[decided] == k).mean() >= 0.95


def test_a_label_that_never_reaches_the_target_gets_no_threshold() -> None:
    rows = _synthetic(600, seed=5)
    probs = np.full((600, 3), 1 / 3)
    probs[:, 0] = 0.9  # always "supported", right a third of the time
    assert choose_thresholds(probs, rows, target=0.9, min_decided=10) == {}


def test_logistic_fit_weighs_rows() -> None:
    x = np.array([[0.0], [1.0], [0.0], [1.0]] * 50)
    y = np.array([0, 1, 1, 0] * 50, dtype=np.int64)
    weights = np.array([1.0, 1.0, 0.01, 0.01] * 50)
    w, b, mean, scale = fit_logistic(x, y, weights, steps=500)
    p = ((x[:2] - mean) / scale) @ w + b
    assert p[0].argmax() == 0 and p[1].argmax() == 1  # the heavy rows win


@pytest.mark.parametrize(
    ("claim", "sentence", "conflict"),
    [
        (CLAIM, "Jane Doe has been the mayor of Springfield since January 2024.", 1.0),
        (CLAIM, "Jane Doe has been the mayor of Springfield since 2020.", 0.0),
        ("The summit was held in 2017.", "The summit was held in Lima in 2016.", 1.0),
        # different slots: "in" against "on" is not the same statement
        ("He was born in 1990.", "He was born on 3 May 1988 in Ohio.", 0.0),
        # the sentence also states the claim's year
        (CLAIM, "She ran in 2016 and has been mayor since 2020.", 0.0),
    ],
)
def test_slot_year_is_another_year_in_the_claims_slot(
    claim: str, sentence: str, conflict: float
) -> None:
    assert mismatch(claim, sentence).slot_year == conflict


def test_support_that_fills_the_claims_slot_with_another_year_refutes() -> None:
    model = _model({"supported": 0.5})
    other_year = judge_sentences(
        CLAIM, ["Jane Doe has been the mayor of Springfield since January 2024."], [_score(0.9, 0)]
    )
    outcome = model.decide(other_year)
    assert outcome.label == "refuted" and outcome.needs_review  # no threshold for refuted
    both = judge_sentences(
        CLAIM,
        [
            "Jane Doe has been the mayor of Springfield since January 2024.",
            "Jane Doe is mayor of Springfield since 2020.",
        ],
        [_score(0.9, 0), _score(0.9, 0)],
    )
    assert model.decide(both).label == "supported"  # one supporting sentence states 2020
