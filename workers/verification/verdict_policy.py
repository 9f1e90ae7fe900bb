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
3. **Nothing aligned in what the sources returned**: the sentences are on topic at best and
   decide nothing, so the label is ``not_enough_info`` unless the fitted decision
   publishes its label without review or is fairly sure of it (:data:`MODEL_UNSURE`; a
   paraphrase the slots cannot line up). Evidence
   given with the claim is the claim's evidence by the caller's word, so there the model
   decides.
4. Otherwise the fitted decision's label stands.

The confidence of rules 1 and 2 is the fitted decision's probability of their label (its
features include the alignment, by kind of detail); each rule has its own review threshold,
chosen on held-out dev predictions (``claimcheck-lab calibrate``). Confidence and review
are set by the one policy that sets them (:mod:`workers.verification.publish_policy`):
these rules hand it the rule that fired and its facts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import redis

from shared.errors import StoreUnavailableError
from shared.schemas import Label, Stance, Verdict
from shared.slots import Alignment, SlotConflict
from shared.verdict_parts import explain_conflict
from workers.verification import publish_policy
from workers.verification.alignment import complete, conflicting, strength
from workers.verification.decision import Judged, Outcome
from workers.verification.publish_policy import Checks

if TYPE_CHECKING:
    from shared.store.claims import ClaimRecord
    from workers.newsroom.confidence_maps import NewsroomCalibration
    from workers.newsroom.repeats import Decision as RepeatDecision
    from workers.newsroom.repeats import Repeats

MODEL_UNSURE = 0.55
"""Below this confidence (and under its review threshold) the fitted decision does not
outweigh retrieved sentences that state nothing of the claim's fact. On the held-out
newsroom dev sets this rule lifts not-enough-info recall from 0.42 to 0.67 (Apollo 11) and
0.17 to 0.75 (Ever Given); 0.55 to 1.0 made no difference there."""

RULE_KEYS: tuple[str, ...] = (
    "rule:refuted:date",
    "rule:refuted:quantity",
    "rule:refuted:name",
    "rule:refuted:polarity",
    "rule:supported",
)
"""The alignment's own decisions, each with its review threshold: a refutation by the kind
of detail that conflicts (a date or a quantity is read more surely than a name or a
negation, so each kind earns its own threshold on dev files)."""


def rule_key(label: str, kind: str | None = None) -> str:
    """The review threshold key of the alignment's own decisions of ``label``."""
    return f"rule:{label}:{kind}" if kind else f"rule:{label}"


@dataclass(frozen=True)
class EvidenceDecision:
    label: Label
    confidence: float
    needs_review: bool
    deciding: int | None = None
    """Index (into the judged sentences) of the sentence that decided, if one did."""
    rule: str | None = None
    """The alignment's rule that decided (its review-threshold key), if one did."""
    conflicts: list[tuple[int, SlotConflict]] = field(default_factory=list)
    """Every conflicting detail, with the sentence that states it, the deciding one first."""
    reason: str | None = None


def decide_on_evidence(
    model: Outcome,
    judged: Sequence[Judged],
    thresholds: Mapping[str, float],
    *,
    retrieved: bool = False,
) -> EvidenceDecision:
    """The label, confidence and review flag of the evidence set (rules in the docstring).

    ``model`` is the fitted decision's outcome; ``thresholds`` the review thresholds of
    the alignment's own decisions (:data:`RULE_KEYS`), chosen with the model's on dev files
    the fit did not see. ``retrieved``: the sentences were found by searching the sources
    (not given with the claim), so sentences that are on topic but state nothing of the
    claim's fact are all there is: unless the model decides without review, that is
    ``not_enough_info``.
    """
    alignments = [j.alignment for j in judged]
    conflicts, agreements = conflicting(alignments), complete(alignments)
    listed = [(i, c) for i in conflicts for c in alignments[i].conflicts]
    if (
        conflicts
        and agreements
        and strength(alignments[agreements[0]]) == strength(alignments[conflicts[0]])
    ):
        first = alignments[conflicts[0]].conflicts[0]
        return EvidenceDecision(
            "conflicting",
            **publish_policy.sources_disagree(model.probabilities),
            deciding=conflicts[0],
            conflicts=listed,
            reason=f"Sources disagree: one states the claim, another says {first.source}.",
        )
    if conflicts and not (agreements and _beats(alignments, agreements[0], conflicts[0])):
        best = judged[conflicts[0]]
        first = best.alignment.conflicts[0]
        rule = rule_key("refuted", first.kind)
        return EvidenceDecision(
            "refuted",
            **publish_policy.by_alignment(
                "refuted", model.probabilities, best.alignment, best.score, thresholds.get(rule)
            ),
            deciding=conflicts[0],
            rule=rule,
            conflicts=listed,
            reason=explain_conflict(first.kind, first.claim, first.source),
        )
    if agreements and judged[agreements[0]].score.refutes < 0.5 and model.label != "conflicting":
        best = judged[agreements[0]]
        agreed = ", ".join(best.alignment.agreed)
        rule = rule_key("supported")
        return EvidenceDecision(
            "supported",
            **publish_policy.by_alignment(
                "supported", model.probabilities, best.alignment, best.score, thresholds.get(rule)
            ),
            deciding=agreements[0],
            rule=rule,
            reason=f"The source states the same{': ' + agreed if agreed else ''}.",
        )
    if not all(a.result == "unaligned" for a in alignments):
        return EvidenceDecision(model.label, **publish_policy.carried(model))
    nothing = "No source sentence states this claim's fact."
    if model.label == "not_enough_info":
        return EvidenceDecision(model.label, **publish_policy.carried(model), reason=nothing)
    if retrieved and model.needs_review and model.confidence < MODEL_UNSURE:
        unsure = publish_policy.model_unsure(model.probabilities, model.confidence)
        return EvidenceDecision("not_enough_info", **unsure, reason=nothing)
    return EvidenceDecision(model.label, **publish_policy.carried(model))


_STANCE_OF: dict[str, Stance] = {"supported": "supports", "refuted": "refutes"}
_AGAINST: dict[str, Stance] = {"supported": "refutes", "refuted": "supports"}


def settle(decision: EvidenceDecision, checks: Checks, shown: Sequence[Stance]) -> EvidenceDecision:
    """The evidence decision with everything else that bears on it: a verdict's label
    agrees with the evidence it shows (a ``supported`` or ``refuted`` verdict without one
    shown sentence of that stance says ``not_enough_info``); its confidence and review
    flag are then the policy's (:func:`~workers.verification.publish_policy.checked`: such
    a verdict, a failed source, a contradicting fact-check or a disagreeing judge go to
    review; nothing read means no confidence)."""
    label, reason = decision.label, decision.reason
    wanted = _STANCE_OF.get(label)
    unshown = wanted is not None and wanted not in shown
    if unshown:
        against = _AGAINST[label]
        reason = f"Leaning {label}, but no sentence shown {wanted} it" + (
            f"; {shown.count(against)} {against} it." if against in shown else "."
        )
        label = "not_enough_info"
    published = publish_policy.checked(decision, checks, unshown=unshown)
    return replace(decision, label=label, reason=reason, **published)


def _beats(alignments: Sequence[Alignment], agreeing: int, conflicting: int) -> bool:
    """The agreeing sentence covers the claim better than the conflicting one."""
    return strength(alignments[agreeing]) > strength(alignments[conflicting])


@dataclass(frozen=True)
class Settled:
    """A claim's verdict as the policy settled it."""

    verdict: Verdict
    repeat: RepeatDecision | None
    """What the newsroom's memory said (None without one): its sources' fingerprint indexes
    a checked verdict for later repeats."""

    @property
    def checked(self) -> bool:
        """The verifier reached it (not a ruling or a reused verdict)."""
        return self.repeat is None or self.repeat.verdict is None


class VerdictPolicy:
    """The one place a claim's verdict is settled, for the Celery task and ``verify-batch``
    alike: the newsroom's memory first (an editor's ruling on the same claim, or a fresh
    check of it: :class:`~workers.newsroom.repeats.Repeats`, which tells claims apart by their typed
    details), else the check (:meth:`Verifier.verify`, whose label, confidence and review
    flag come from :func:`decide_on_evidence` and :func:`settle`), then the newsroom's
    confidence map fitted on its editors' rulings, which can only send more to review
    (:func:`~workers.verification.publish_policy.newsroom_mapped`).
    """

    def __init__(
        self,
        repeats: Repeats | None = None,
        review_maps: NewsroomCalibration | None = None,
    ) -> None:
        self.repeats = repeats
        self.review_maps = review_maps

    def verdict(self, claim: ClaimRecord, check: Callable[[], Verdict]) -> Settled:
        """``claim``'s verdict; ``check`` verifies it when the newsroom's memory does not
        decide it. A Redis failure of the memory raises :class:`StoreUnavailableError`."""
        repeat = None
        if self.repeats is not None:
            repeats = self.repeats
            try:
                repeat = repeats.decide(claim)
            except redis.RedisError as exc:
                raise StoreUnavailableError(f"Redis store failed: {exc}") from exc
            if repeat.verdict is not None:
                return Settled(repeat.verdict, repeat)
        verdict = check()
        if self.review_maps is not None:
            verdict = self.review_maps.apply(verdict, claim.newsroom)
        return Settled(verdict, repeat)
