"""The verdict policy over the evidence: what the aligned sentences say, then the model.

The stance model reads each (claim, sentence) pair; the alignment
(:mod:`workers.verification.alignment`) says which sentences are about the claim's fact and
whether their details agree. The label comes from the alignment where it is decisive, and
from the fitted decision (:mod:`workers.verification.decision`) otherwise:

1. **A conflict decides ``refuted``**: an aligned sentence that states one of the claim's
   details (a date, a quantity, a name, the polarity) otherwise, unless another aligned
   sentence states that very detail as the claim does, or a sentence that covers the claim
   at least as well states every detail the same (the conflict is then about a
   look-alike). The model's neutral reading does not save the claim.
2. **Complete agreement decides ``supported``**: an aligned sentence that states every
   detail of the claim the same and holds most of its words (:data:`SUPPORT_COVERAGE`),
   unless the model reads it as a refutation.
3. **Nothing aligned**: the sentences are on topic at best and decide nothing, so the
   label is ``not_enough_info`` unless the model is sure (:data:`MODEL_ALONE`): a
   paraphrase the slots cannot line up.
4. Otherwise the fitted decision's label stands.

The confidences of rules 1 and 2 grow with how well the deciding sentence covers the claim
(words and names); :data:`REVIEW_BELOW` is the confidence under which a person looks. The
numbers were chosen on the two newsroom dev sets (``claimcheck-lab eval-newsroom``) and
kept where the verification dev files did not move (docs/verdicts.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.schemas import Label
from shared.slots import SlotConflict
from workers.verification.decision import Judged, Outcome

SUPPORT_COVERAGE = 0.75
"""Share of the claim's content words a completely agreeing sentence must hold."""
MODEL_ALONE = 0.85
"""The model's confidence from which it decides with no aligned sentence."""
REVIEW_BELOW = 0.80
"""Confidence under which an alignment-decided verdict goes to review."""
SUBJECT_CONFLICT = 0.7
"""The most confidence a conflict in the subject's name gets ("Jim Lovell served as" against
"Charles Duke served as"): a slip, or a sentence about a look-alike; a person looks."""


@dataclass(frozen=True)
class EvidenceDecision:
    label: Label
    confidence: float
    needs_review: bool
    deciding: int | None = None
    """Index (into the judged sentences) of the sentence that decided, if one did."""
    conflicts: list[tuple[int, SlotConflict]] = field(default_factory=list)
    """Every conflicting detail, with the sentence that states it, the deciding one first."""
    reason: str | None = None


def _strength(j: Judged) -> tuple[bool, float, float]:
    return (j.alignment.subject, j.alignment.name_coverage, j.alignment.coverage)


def decide_on_evidence(model: Outcome, judged: Sequence[Judged]) -> EvidenceDecision:
    """The label, confidence and review flag of the evidence set (rules in the docstring)."""
    confirmed = {d for j in judged if j.alignment.result == "agree" for d in j.alignment.agreed}
    conflicting = sorted(
        (
            i
            for i, j in enumerate(judged)
            if j.alignment.result == "conflict"
            and not all(c.claim in confirmed for c in j.alignment.conflicts)
        ),
        key=lambda i: (_strength(judged[i]), judged[i].score.refutes),
        reverse=True,
    )
    complete = sorted(
        (
            i
            for i, j in enumerate(judged)
            if j.alignment.complete and j.alignment.coverage >= SUPPORT_COVERAGE
        ),
        key=lambda i: (_strength(judged[i]), judged[i].score.supports),
        reverse=True,
    )
    conflicts = [(i, c) for i in conflicting for c in judged[i].alignment.conflicts]
    if conflicting and not (complete and _strength(judged[complete[0]]) >= _strength(judged[conflicting[0]])):
        best = judged[conflicting[0]]
        confidence = _confidence(best, best.score.refutes + best.score.neutral)
        if best.alignment.subject_conflict:
            confidence = min(confidence, SUBJECT_CONFLICT)
        first = best.alignment.conflicts[0]
        return EvidenceDecision(
            "refuted",
            confidence,
            confidence < REVIEW_BELOW,
            deciding=conflicting[0],
            conflicts=conflicts,
            reason=f"The source says {first.source}, not {first.claim}.",
        )
    if complete and judged[complete[0]].score.refutes < 0.5:
        best = judged[complete[0]]
        confidence = _confidence(best, best.score.supports + best.score.neutral)
        agreed = ", ".join(best.alignment.agreed)
        return EvidenceDecision(
            "supported",
            confidence,
            confidence < REVIEW_BELOW,
            deciding=complete[0],
            reason=f"The source states the same{': ' + agreed if agreed else ''}.",
        )
    if all(j.alignment.result == "unaligned" for j in judged) and model.confidence < MODEL_ALONE:
        return EvidenceDecision(
            "not_enough_info",
            round(max(0.5, 1.0 - max((j.alignment.coverage for j in judged), default=0.0) / 2), 4),
            True,
            reason="No source sentence states this claim's fact.",
        )
    return EvidenceDecision(model.label, model.confidence, model.needs_review)


def _confidence(best: Judged, model_share: float) -> float:
    """Grows with the deciding sentence's coverage of the claim's words and names; the
    model's agreement (its probability of the label or of neutral) moderates it."""
    a = best.alignment
    value = 0.45 + 0.3 * a.coverage + 0.15 * a.name_coverage + 0.1 * min(1.0, model_share)
    return round(min(1.0, value), 4)
