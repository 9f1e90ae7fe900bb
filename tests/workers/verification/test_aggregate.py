from __future__ import annotations

import pytest

from workers.verification.aggregate import AggregationParams, aggregate, stance_of
from workers.verification.stance import StanceScore

PARAMS = AggregationParams(needs_review_threshold=0.6)


def s(supports: float, refutes: float, relevance: float) -> StanceScore:
    return StanceScore(supports, refutes, 1.0 - supports - refutes, relevance)


def test_no_evidence_is_not_enough_info() -> None:
    decision = aggregate([], PARAMS)
    assert decision.label == "not_enough_info"
    assert decision.confidence == 1.0 and not decision.needs_review


def test_strong_support_is_supported() -> None:
    decision = aggregate([s(0.9, 0.0, 0.9), s(0.0, 0.0, 0.2)], PARAMS)
    assert decision.label == "supported"
    assert decision.confidence == pytest.approx(0.9)
    assert not decision.needs_review


def test_strong_refutation_is_refuted() -> None:
    decision = aggregate([s(0.2, 0.0, 0.5), s(0.0, 0.85, 0.9)], PARAMS)
    assert decision.label == "refuted"
    # the deciding sentence's calibrated probability is the confidence
    assert decision.confidence == pytest.approx(0.85)
    assert decision.support == pytest.approx(0.2)


def test_most_decisive_sentence_decides_below_conflict_strength() -> None:
    decision = aggregate([s(0.6, 0.0, 0.9), s(0.0, 0.65, 0.9)], PARAMS)
    assert decision.label == "refuted"
    assert decision.confidence == pytest.approx(0.65)


def test_strong_evidence_on_both_sides_is_conflicting() -> None:
    decision = aggregate([s(0.8, 0.0, 0.9), s(0.0, 0.75, 0.8)], PARAMS)
    assert decision.label == "conflicting"
    assert decision.support == pytest.approx(0.8)
    assert decision.confidence == pytest.approx(0.75)


def test_irrelevant_sentences_never_decide() -> None:
    decision = aggregate([s(0.95, 0.0, 0.1), s(0.0, 0.95, 0.29)], PARAMS)
    assert decision.label == "not_enough_info"
    assert decision.support == 0 and decision.refutation == 0


def test_weak_evidence_is_not_enough_info_and_low_confidence_needs_review() -> None:
    decision = aggregate([s(0.45, 0.0, 0.6)], PARAMS)
    assert decision.label == "not_enough_info"
    assert decision.confidence == pytest.approx(0.55)
    assert decision.needs_review
    weak_win = aggregate([s(0.55, 0.0, 0.6)], PARAMS)
    assert weak_win.label == "supported" and weak_win.needs_review


def test_threshold_comes_from_params() -> None:
    strict = AggregationParams(needs_review_threshold=0.95)
    assert aggregate([s(0.9, 0.0, 0.9)], strict).needs_review


def test_stance_of() -> None:
    assert stance_of(s(0.7, 0.1, 1)) == "supports"
    assert stance_of(s(0.1, 0.7, 1)) == "refutes"
    assert stance_of(s(0.3, 0.3, 1)) == "neutral"
