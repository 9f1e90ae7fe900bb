"""What a verdict publishes besides its label: its confidence, and whether a person reviews
it before it counts (``needs_review``). This module is the one place either is set.

Every step that reaches a verdict, or a part of one, hands a function here the facts it has
and spreads what comes back into the object it builds (``Verdict(..., **published)``);
``tests/test_architecture.py`` reads the source to keep it so. The facts, by step:

* the fitted decision (:mod:`~workers.verification.decision`): its top probability and the
  review threshold of its label (:func:`by_model`);
* the stance rules, where no decision is fitted (:mod:`~workers.verification.aggregate`):
  the deciding sentence's probability, the configured threshold and the verdict
  calibration, if any (:func:`by_rules`);
* the alignment's rules (:mod:`~workers.verification.verdict_policy`), by the rule that
  fired: sources that disagree (:func:`sources_disagree`), a conflict or a complete
  agreement with the decision's probabilities, the deciding sentence and the rule's
  threshold (:func:`by_alignment`), an unsure decision (:func:`model_unsure`), or the
  decision standing (:func:`carried`);
* what else bears on a checked verdict (:class:`Checks`) and whether its label fell back
  to ``not_enough_info`` for want of a shown sentence (:func:`checked`);
* a strong match in the fact-check archive (:func:`by_factcheck`), an editor's ruling
  (:func:`by_ruling`), a failed or a no-op check (:func:`unverified`, :func:`noop`);
* the newsroom's confidence map fitted on its editors' rulings (:func:`newsroom_mapped`).

The label is not decided here: the rules of each step decide it, and hand it over where
the confidence depends on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol, TypedDict

from shared.schemas import Verdict
from shared.slots import Alignment
from workers.verification.calibration import VerdictCalibration
from workers.verification.stance import StanceScore

SUBJECT_CONFLICT = 0.7
"""The most confidence a conflict in the subject's name gets ("Jim Lovell served as" against
"Charles Duke served as"): a slip, or a sentence about a look-alike; a person looks."""
NEVER_DECIDED = 2.0
"""The threshold of a rule that has none: above any confidence, so it is always reviewed."""


class Published(TypedDict):
    """A verdict's confidence and review flag, as this policy sets them."""

    confidence: float
    needs_review: bool


class Decided(Protocol):
    """What an earlier step carries from this policy (a decision's outcome, an evidence
    decision, a verdict)."""

    @property
    def confidence(self) -> float: ...

    @property
    def needs_review(self) -> bool: ...


@dataclass(frozen=True)
class Checks:
    """What bears on a checked verdict besides its evidence sentences."""

    sources_failed: bool = False
    """A source failed: the verdict was reached without it."""
    nothing_read: bool = False
    """Sources failed and nothing at all was read."""
    factcheck_contradicts: bool = False
    """A published fact-check of this claim says the opposite."""
    judge_disagrees: bool = False
    """The LLM judge reads the evidence otherwise."""

    @property
    def doubtful(self) -> bool:
        """Something besides the evidence speaks against publishing it unreviewed."""
        return self.sources_failed or self.factcheck_contradicts or self.judge_disagrees


# --- the decision over the evidence ---------------------------------------------------------


def by_model(confidence: float, threshold: float | None) -> Published:
    """The fitted decision: its probability of the label (in [0, 1], four places), reviewed
    below the label's threshold; a label without one (``conflicting``) is always reviewed."""
    return Published(
        confidence=_clamp(confidence),
        needs_review=threshold is None or confidence < threshold,
    )


def by_rules(
    label: str,
    confidence: float,
    threshold: float,
    calibration: VerdictCalibration | None = None,
) -> Published:
    """The stance rules: the deciding sentence's probability (in [0, 1], four places),
    mapped by the verdict ``calibration`` where there is one; reviewed below ``threshold``."""
    value = _clamp(confidence)
    if calibration is not None:
        value = round(calibration(label, value), 4)
    return Published(confidence=value, needs_review=value < threshold)


def sources_disagree(probabilities: Mapping[str, float]) -> Published:
    """Sentences that cover the claim equally well state it and contradict it: the
    decision's probability of either decided label; always reviewed."""
    confidence = probabilities.get("supported", 0.5) + probabilities.get("refuted", 0.0)
    return Published(confidence=confidence, needs_review=True)


def by_alignment(
    label: Literal["supported", "refuted"],
    probabilities: Mapping[str, float],
    deciding: Alignment,
    score: StanceScore,
    threshold: float | None,
) -> Published:
    """A conflict (``refuted``) or a complete agreement (``supported``) decides: the
    decision's probability of the label, else a confidence that grows with the deciding
    sentence's coverage of the claim; a conflict in the subject's name gets at most
    :data:`SUBJECT_CONFLICT`. Reviewed below the rule's ``threshold``."""
    share = score.refutes if label == "refuted" else score.supports
    confidence = probabilities.get(label) or _coverage_confidence(deciding, share + score.neutral)
    if label == "refuted" and deciding.subject_conflict:
        confidence = min(confidence, SUBJECT_CONFLICT)
    limit = NEVER_DECIDED if threshold is None else threshold
    return Published(confidence=confidence, needs_review=confidence < limit)


def model_unsure(probabilities: Mapping[str, float], confidence: float) -> Published:
    """Nothing retrieved states the claim's fact and the decision, unsure, would have
    decided it: the decision's probability of ``not_enough_info`` (else what its
    ``confidence`` leaves); always reviewed."""
    unsure = probabilities.get("not_enough_info", 1.0 - confidence)
    return Published(confidence=round(unsure, 4), needs_review=True)


def carried(decided: Decided) -> Published:
    """What this policy set for an earlier step, unchanged: the decision stands."""
    return Published(confidence=decided.confidence, needs_review=decided.needs_review)


def checked(decision: Decided, checks: Checks, *, unshown: bool) -> Published:
    """A checked verdict's last word: nothing read means no confidence; a label that no
    shown sentence holds (``unshown``: it says ``not_enough_info`` instead) or a
    :attr:`Checks.doubtful` one goes to review, as does whatever the decision sent there."""
    return Published(
        confidence=0.0 if checks.nothing_read else decision.confidence,
        needs_review=decision.needs_review or unshown or checks.doubtful,
    )


# --- verdicts reached otherwise -------------------------------------------------------------


def by_factcheck(score: float, threshold: float, *, sources_failed: bool) -> Published:
    """A strong match in the fact-check archive decides: the match score; reviewed below
    ``threshold`` or when a source failed."""
    confidence = round(score, 4)
    return Published(confidence=confidence, needs_review=confidence < threshold or sources_failed)


def by_ruling(score: float) -> Published:
    """An editor's ruling on the same claim (score 1.0) or on a close paraphrase (the
    embedding cosine): the match score; an editor has ruled, so no review."""
    return Published(confidence=score, needs_review=False)


def unverified() -> Published:
    """A check that failed: no confidence, and a person looks."""
    return Published(confidence=0.0, needs_review=True)


def noop() -> Published:
    """The benchmark's placeholder (no check at all): no confidence, nobody to look."""
    return Published(confidence=0.0, needs_review=False)


def newsroom_mapped(
    verdict: Verdict, calibration: VerdictCalibration | None, precision: float
) -> Verdict:
    """``verdict`` through its newsroom's confidence map: the confidence becomes the share of
    such verdicts the editors kept, and below ``precision`` it goes to review. The map can
    only make publishing more careful (a verdict sent to review stays there); without one,
    or for a failed check, the verdict is left as it is."""
    if calibration is None or verdict.failed:
        return verdict
    mapped = round(calibration(verdict.label, verdict.confidence), 4)
    published = Published(
        confidence=mapped, needs_review=verdict.needs_review or mapped < precision
    )
    return verdict.model_copy(update=published)


def _clamp(value: float) -> float:
    return round(min(1.0, max(0.0, value)), 4)


def _coverage_confidence(deciding: Alignment, model_share: float) -> float:
    """Grows with the deciding sentence's coverage of the claim's words and names; the
    model's agreement (its probability of the label or of neutral) moderates it."""
    value = (
        0.45 + 0.3 * deciding.coverage + 0.15 * deciding.name_coverage + 0.1 * min(1.0, model_share)
    )
    return round(min(1.0, value), 4)
