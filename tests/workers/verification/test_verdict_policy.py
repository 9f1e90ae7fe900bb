"""The verdict policy over aligned evidence: conflicts refute, complete agreement supports,
labels agree with the evidence shown, and everything else that bears on a verdict."""

from __future__ import annotations

from shared.slots import compare, extract
from workers.verification.decision import Judged, Outcome
from workers.verification.mismatch import mismatch
from workers.verification.publish_policy import Checks
from workers.verification.stance import StanceScore
from workers.verification.verdict_policy import (
    EvidenceDecision,
    decide_on_evidence,
    rule_key,
    settle,
)

NEUTRAL = StanceScore(0.1, 0.1, 0.8, 0.2)
CLAIM = "The deployment of the sunshield was completed on 4 March 2022."
SAME = "The deployment of the sunshield was completed on 4 March 2022."
OTHER_DATE = "The deployment of the sunshield was completed on 4 January 2022."
ON_TOPIC = "The sunshield has five layers of Kapton."


def _judged(claim: str, sentences: list[str], score: StanceScore = NEUTRAL) -> list[Judged]:
    return [
        Judged(score, 0.0, mismatch(claim, s), compare(extract(claim), extract(s)))
        for s in sentences
    ]


def _model(label: str = "not_enough_info", supported: float = 0.2) -> Outcome:
    probabilities = {"supported": supported, "refuted": 0.3, "not_enough_info": 0.5}
    return Outcome(label, 0.5, True, probabilities)  # type: ignore[arg-type]


def test_a_conflict_refutes_even_when_the_model_reads_neutral() -> None:
    decision = decide_on_evidence(_model(), _judged(CLAIM, [ON_TOPIC, OTHER_DATE]), {})
    assert (decision.label, decision.deciding) == ("refuted", 1)
    assert decision.reason == "The source says 4 January 2022, not 4 March 2022."
    [(index, conflict)] = decision.conflicts
    assert index == 1 and (conflict.claim, conflict.source) == ("4 March 2022", "4 January 2022")
    assert decision.rule == rule_key("refuted", "date") and decision.needs_review


def test_a_threshold_per_kind_of_detail_lets_a_conflict_decide_alone() -> None:
    judged = _judged(CLAIM, [OTHER_DATE])
    decided = decide_on_evidence(_model(), judged, {rule_key("refuted", "date"): 0.25})
    assert not decided.needs_review
    other_kind = decide_on_evidence(_model(), judged, {rule_key("refuted", "name"): 0.25})
    assert other_kind.needs_review


def test_complete_agreement_supports_and_the_look_alike_conflict_loses() -> None:
    decoy = "The deployment of the sunshield was completed on 4 January 2022 by Ariane."
    judged = _judged(CLAIM, [decoy, SAME])
    decision = decide_on_evidence(_model(supported=0.9), judged, {rule_key("supported"): 0.8})
    assert (decision.label, decision.deciding, decision.needs_review) == ("supported", 1, False)


def test_nothing_aligned_leaves_the_model_and_says_so() -> None:
    decision = decide_on_evidence(_model(), _judged(CLAIM, [ON_TOPIC]), {})
    assert decision.label == "not_enough_info"
    assert decision.reason == "No source sentence states this claim's fact."


def test_a_label_without_shown_evidence_of_its_stance_is_not_published() -> None:
    decision = EvidenceDecision("supported", 0.95, False)
    settled = settle(decision, Checks(), ["neutral", "refutes"])
    assert (settled.label, settled.needs_review) == ("not_enough_info", True)
    assert settled.reason is not None and "no sentence shown supports" in settled.reason
    kept = settle(decision, Checks(), ["supports"])
    assert (kept.label, kept.needs_review) == ("supported", False)


def test_failures_contradicting_fact_checks_and_the_judge_send_to_review() -> None:
    decision = EvidenceDecision("refuted", 0.97, False)
    for checks in (
        Checks(sources_failed=True),
        Checks(factcheck_contradicts=True),
        Checks(judge_disagrees=True),
    ):
        assert settle(decision, checks, ["refutes"]).needs_review
    nothing = settle(EvidenceDecision("not_enough_info", 0.8, True), Checks(nothing_read=True), [])
    assert nothing.confidence == 0.0
