from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lab.decision_fit import Choice, DevRows, choose_features, choose_thresholds, fit_decision
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


def test_the_joined_pass_is_read_and_one_sentence_stands_in_for_it() -> None:
    judged = judge_sentences(
        CLAIM, ["Jane Doe is mayor.", "She took office in 2020."], [_score(0.3, 0.1)] * 2
    )
    x = dict(zip(FEATURES, features(judged, _score(0.9, 0.05)), strict=True))
    assert x["joined_support"] == pytest.approx(0.9)
    assert x["joined_refute"] == pytest.approx(0.05)
    alone = dict(zip(FEATURES, features(judged[:1]), strict=True))
    assert alone["joined_support"] == pytest.approx(0.3)  # the sentence itself
    assert x["best_similarity"] == 0.0  # given evidence: no retrieval cosine


def test_the_retrieval_cosine_is_the_best_of_the_set() -> None:
    judged = judge_sentences(
        CLAIM, ["Jane Doe is mayor.", "Other news."], [_score(0.3, 0.1)] * 2, None, [0.81, None]
    )
    x = dict(zip(FEATURES, features(judged), strict=True))
    assert x["best_similarity"] == pytest.approx(0.81)


def test_a_model_reads_only_the_features_it_was_fitted_on(tmp_path: Path) -> None:
    rows = _synthetic(600, seed=7)
    names = ("max_support", "max_refute", "top2_support")  # the three that carry the label
    fit = fit_decision(rows, target=0.9, min_decided=10, names=names)
    assert fit.model.names == names and fit.model.weights.shape == (3, 3)
    path = tmp_path / "decision.json"
    path.write_text(fit.model.to_json(), encoding="utf-8")
    loaded = DecisionModel.load(path)
    assert loaded.names == names
    np.testing.assert_allclose(
        loaded.probabilities(rows.x[:5]), fit.model.probabilities(rows.x[:5]), atol=1e-4
    )
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"] = [*names[:2], "no_such_feature"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="no_such_feature"):
        DecisionModel.load(path)


def test_features_are_chosen_by_held_out_accuracy_over_datasets() -> None:
    """One feature carries the label in every dataset; another only within each dataset
    (its meaning flips from one to the next): fitted in-sample it looks as good, left out
    it is worse than chance, so the held-out choice drops it."""
    rng = np.random.default_rng(11)
    n = 900
    y = rng.integers(0, 3, n).astype(np.int64)
    files = [["a.jsonl", "b.jsonl", "c.jsonl"][i % 3] for i in range(n)]
    x = rng.normal(0, 1, (n, len(FEATURES)))
    x[np.arange(n), y] += 1.0  # weak and general
    shift = np.array([{"a.jsonl": 0, "b.jsonl": 1, "c.jsonl": 2}[f] for f in files])
    habit = FEATURES.index("mean_neutral")
    x[:, habit] = (y + shift) % 3 * 3.0  # strong, but a different code in every file
    rows = DevRows(ids=[f"r{i}" for i in range(n)], files=files, x=x, y=y)
    general = ("max_support", "max_refute", "top2_support")
    best, table = choose_features(
        rows,
        candidates={"general": general, "with habit": (*general, "mean_neutral")},
        l2_grid=(1e-3,),
    )
    assert best.features == "general"
    assert table[best]["mean"] > table[Choice("with habit", 1e-3)]["mean"]


def test_given_and_retrieved_rows_of_a_dev_file_are_left_out_together() -> None:
    rows = DevRows(
        ids=["1", "2", "3"],
        files=["wice.dev.jsonl", "wice.dev.jsonl (open)", "newsroom/apollo11"],
        x=np.zeros((3, len(FEATURES))),
        y=np.zeros(3, dtype=np.int64),
    )
    assert rows.groups == ["wice.dev.jsonl", "wice.dev.jsonl", "newsroom/apollo11"]
