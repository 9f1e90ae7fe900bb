"""From per-sentence stances to one verdict label with a confidence.

Rules, in order:

1. Sentences whose relevance is below ``min_relevance`` are ignored: off-topic text never
   decides a verdict, however strongly it seems to support or refute.
2. Of the remaining sentences, the strongest support probability ``S`` and the strongest
   refutation probability ``R`` are kept (the scorer already folds relevance into them).
3. Both ``S`` and ``R`` at least ``strong``: ``conflicting``.
4. Otherwise the larger side wins if it reaches ``decide``: ``supported`` / ``refuted``, with
   half the other side's strength taken off its confidence.
5. Otherwise ``not_enough_info``; its confidence is how little the evidence says either way.

The confidence (in [0, 1]) and ``needs_review`` (below the configured threshold) are the
policy's (:func:`workers.verification.publish_policy.by_rules`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.schemas import Label, Stance
from workers.verification import publish_policy
from workers.verification.stance import StanceScore


@dataclass(frozen=True)
class AggregationParams:
    min_relevance: float = 0.3
    """Sentences below this relevance are ignored: they never decide a verdict."""
    strong: float = 0.7
    """Support and refutation both at least this strong (calibrated) -> ``conflicting``."""
    needs_review_threshold: float = 0.6


@dataclass(frozen=True)
class Decision:
    label: Label
    confidence: float
    needs_review: bool
    support: float
    """Strongest support among relevant sentences (0 when none)."""
    refutation: float
    """Strongest refutation among relevant sentences (0 when none)."""


def stance_of(score: StanceScore) -> Stance:
    """The most likely stance of one sentence (ties go to neutral)."""
    if score.supports > max(score.refutes, score.neutral):
        return "supports"
    if score.refutes > max(score.supports, score.neutral):
        return "refutes"
    return "neutral"


def is_relevant(score: StanceScore, params: AggregationParams) -> bool:
    return score.relevance >= params.min_relevance


def aggregate(scores: Sequence[StanceScore], params: AggregationParams) -> Decision:
    """Decide a label for one claim from the scores of all its evidence sentences.

    The most decisive relevant sentence (the strongest support or refutation) decides,
    and its calibrated probability of that label is the confidence; strong support and
    strong refutation together make the claim ``conflicting``. Without a relevant
    sentence the claim is ``not_enough_info``.
    """
    relevant = [s for s in scores if is_relevant(s, params)]
    support = max((s.supports for s in relevant), default=0.0)
    refutation = max((s.refutes for s in relevant), default=0.0)

    label: Label
    if support >= params.strong and refutation >= params.strong:
        label, confidence = "conflicting", min(support, refutation)
    elif relevant:
        best = max(relevant, key=lambda s: max(s.supports, s.refutes))
        stance = stance_of(best)
        label = _LABEL_OF[stance]
        confidence = {"supports": best.supports, "refutes": best.refutes}.get(stance, best.neutral)
    else:
        label = "not_enough_info"
        confidence = 1.0 - _best_relevance(scores)
    return Decision(
        label=label,
        support=support,
        refutation=refutation,
        **publish_policy.by_rules(label, confidence, params.needs_review_threshold),
    )


_LABEL_OF: dict[Stance, Label] = {
    "supports": "supported",
    "refutes": "refuted",
    "neutral": "not_enough_info",
}


def _best_relevance(scores: Sequence[StanceScore]) -> float:
    return max((s.relevance for s in scores), default=0.0)
