"""The claim-level decision: one label from the whole evidence set, and when to ask a person.

The stance model judges one (claim, sentence) pair at a time. A verdict is a decision over
all of a claim's evidence: how strongly the best sentences support or refute it, how many
independent sentences agree, how neutral the set is, and whether the sentence that seems
to support it names another year, number, month or person, or is negated where the claim
is not (:mod:`workers.verification.mismatch`). :func:`features` turns the evidence set into
a fixed vector; :class:`DecisionModel` (multinomial logistic regression, fitted on dev files
only by ``claimcheck-lab calibrate``, stored as JSON beside the stance model) turns it into
probabilities of ``supported``, ``refuted`` and ``not_enough_info``; a temperature fitted
on held-out dev predictions makes the top probability the confidence.

Word overlap and claim coverage are deliberately not features: fitted with them, the
decision learned each dev file's habits (on-topic evidence is gold evidence) and, on a dev
file left out of the fit, fell from 0.87 to 0.05 accuracy (wice.dev); with the stance and
mismatch features alone it kept 0.53 mean accuracy over left-out files against 0.47.

One rule sits on top of the fitted model: where every supporting sentence fills one of the
claim's slots ("since ...", "in ...") with another year, the label is ``refuted`` (see
:func:`_slot_contradiction`); its confidence still goes through the review threshold.

The policy (:func:`workers.verification.publish_policy.by_model`) sets ``needs_review``
false only where the confidence reaches the label's review threshold, chosen on
leave-one-file-out dev predictions so that decided verdicts are right at the target rate on
dev files the model did not see (see :mod:`lab.decision_fit`). ``conflicting`` (strong,
relevant support and refutation from different sentences) has no threshold: always
reviewed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt

from shared.schemas import Label
from shared.slots import Alignment
from workers.retrieval_words import content_stems, coverage
from workers.verification import publish_policy
from workers.verification.alignment import complete, conflicting
from workers.verification.mismatch import Mismatch, mismatch
from workers.verification.stance import StanceScore

CLASSES: tuple[Label, ...] = ("supported", "refuted", "not_enough_info")
ALIGNMENT_FEATURES: tuple[str, ...] = (
    "conflict_date",
    "conflict_quantity",
    "conflict_name",
    "conflict_polarity",
    "align_complete",
    "align_none",
)
"""What the alignment says (:func:`alignment_features`): the strongest conflict by kind of
detail, the best complete agreement, and whether no sentence is about the claim's fact."""
JOINED_FEATURES: tuple[str, ...] = ("joined_support", "joined_refute", "joined_neutral")
"""The stance of the evidence sentences read together as one passage."""
FEATURES: tuple[str, ...] = (
    "max_support",
    "max_refute",
    "top2_support",
    "top2_refute",
    "log_n_support",
    "log_n_refute",
    "min_neutral",
    "mean_neutral",
    "support_x_year",
    "support_x_number",
    "support_x_month",
    "support_x_name",
    "support_x_negation",
    *ALIGNMENT_FEATURES,
    *JOINED_FEATURES,
    "best_similarity",
)
"""Every feature :func:`features` computes; a fitted model reads the subset it names."""
COMPACT: tuple[str, ...] = (
    "max_support",
    "max_refute",
    "min_neutral",
    *JOINED_FEATURES,
    *ALIGNMENT_FEATURES,
)
"""The few strong inputs (issue 21): each sentence's stance read with its context, one
joined-evidence pass, and the alignment's verdict by kind of detail."""
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Judged:
    """One evidence sentence as the decision sees it."""

    score: StanceScore
    overlap: float
    """Share of the claim's content words the sentence contains."""
    mismatch: Mismatch
    alignment: Alignment = field(default_factory=lambda: Alignment("unaligned"))
    """The sentence lined up with the claim over typed slots."""
    similarity: float | None = None
    """The sentence's embedding cosine to the claim, where retrieval computed it."""


def judge_sentences(
    claim: str,
    sentences: Sequence[str],
    scores: Sequence[StanceScore],
    alignments: Sequence[Alignment] | None = None,
    similarities: Sequence[float | None] | None = None,
) -> list[Judged]:
    stems = content_stems(claim)
    aligned = alignments or [Alignment("unaligned")] * len(sentences)
    close = similarities or [None] * len(sentences)
    out = []
    for sentence, score, alignment, cos in zip(sentences, scores, aligned, close, strict=True):
        out.append(
            Judged(
                score=score,
                overlap=coverage(stems, sentence),
                mismatch=mismatch(claim, sentence),
                alignment=alignment,
                similarity=cos,
            )
        )
    return out


def alignment_features(alignments: Sequence[Alignment]) -> dict[str, float]:
    """What the alignment says of the evidence set: the strongest standing conflict (its
    words and names covered) by the kind of detail (dates and quantities are read more
    surely than names and polarity), the best complete agreement (its words covered), and
    whether no sentence is about the claim's fact at all."""
    conflicts, agreements = conflicting(alignments), complete(alignments)
    out = {f"conflict_{kind}": 0.0 for kind in ("date", "quantity", "name", "polarity")}
    if conflicts:
        best = alignments[conflicts[0]]
        out[f"conflict_{best.conflicts[0].kind}"] = best.coverage * best.name_coverage
    out["align_complete"] = alignments[agreements[0]].coverage if agreements else 0.0
    out["align_none"] = float(all(a.result == "unaligned" for a in alignments))
    return out


def features(judged: Sequence[Judged], joined: StanceScore | None = None) -> FloatArray:
    """The evidence set as one vector, in the order of :data:`FEATURES`.

    ``joined`` is the score of the sentences read together as one passage; without it
    (one sentence, or none) the best-supported sentence's own score stands in.
    """
    if not judged:
        vector = np.zeros(len(FEATURES))
        for name in ("min_neutral", "mean_neutral", "align_none", "joined_neutral"):
            vector[FEATURES.index(name)] = 1.0
        return vector
    sup = np.array([j.score.supports for j in judged])
    ref = np.array([j.score.refutes for j in judged])
    nei = np.array([j.score.neutral for j in judged])
    best = int(np.argmax(sup))
    best_ref = int(np.argmax(ref))
    m = judged[best].mismatch
    top_sup = np.sort(sup)[::-1][:2]
    top_ref = np.sort(ref)[::-1][:2]
    values = {
        "max_support": sup[best],
        "max_refute": ref[best_ref],
        "top2_support": float(top_sup.mean()),
        "top2_refute": float(top_ref.mean()),
        "log_n_support": math.log1p(int((sup > 0.5).sum())),
        "log_n_refute": math.log1p(int((ref > 0.5).sum())),
        "min_neutral": float(nei.min()),
        "mean_neutral": float(nei.mean()),
        "support_x_year": sup[best] * m.year,
        "support_x_number": sup[best] * m.number,
        "support_x_month": sup[best] * m.month,
        "support_x_name": sup[best] * m.name,
        "support_x_negation": sup[best] * m.negation,
        **alignment_features([j.alignment for j in judged]),
    }
    together = joined or judged[best].score
    values["joined_support"] = together.supports
    values["joined_refute"] = together.refutes
    values["joined_neutral"] = together.neutral
    cosines = [j.similarity for j in judged if j.similarity is not None]
    values["best_similarity"] = max(cosines) if cosines else 0.0
    return np.array([float(values[name]) for name in FEATURES])


@dataclass(frozen=True)
class Outcome:
    label: Label
    confidence: float
    needs_review: bool
    probabilities: dict[str, float]


@dataclass(frozen=True)
class DecisionModel:
    """Multinomial logistic regression over ``names`` (a subset of :data:`FEATURES`),
    with review thresholds."""

    weights: FloatArray
    """(len(names), classes)"""
    bias: FloatArray
    mean: FloatArray
    scale: FloatArray
    temperature: float = 1.0
    review_thresholds: dict[str, float] = field(default_factory=dict)
    """label -> lowest confidence published without review (absent: always reviewed)."""
    conflict_strength: float = 0.8
    """Support and refutation both at least this strong, each from a sentence covering at
    least half the claim -> ``conflicting``."""
    meta: dict[str, object] = field(default_factory=dict)
    names: tuple[str, ...] = FEATURES
    """The features read, in the order of ``weights``' rows."""

    @cached_property
    def columns(self) -> list[int]:
        """Where ``names`` stand in :data:`FEATURES` (read once, not per claim)."""
        return [FEATURES.index(name) for name in self.names]

    def logits(self, x: FloatArray) -> FloatArray:
        """``x``: full feature vectors (:data:`FEATURES` order), one row per claim."""
        z: FloatArray = ((x[..., self.columns] - self.mean) / self.scale) @ self.weights + self.bias
        return z

    def probabilities(self, x: FloatArray) -> FloatArray:
        return softmax(self.logits(x) / self.temperature)

    def decide(self, judged: Sequence[Judged], joined: StanceScore | None = None) -> Outcome:
        probs = self.probabilities(features(judged, joined))
        i = int(np.argmax(probs))
        label: Label = CLASSES[i]
        confidence = float(probs[i])
        if _conflicting(judged, self.conflict_strength):
            label, confidence = "conflicting", float(probs[0] + probs[1])
        elif label == "supported" and _slot_contradiction(judged):
            label = "refuted"
        return Outcome(
            label=label,
            probabilities={c: round(float(p), 4) for c, p in zip(CLASSES, probs, strict=True)},
            **publish_policy.by_model(confidence, self.review_thresholds.get(label)),
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "features": list(self.names),
                "classes": list(CLASSES),
                "weights": np.round(self.weights, 6).tolist(),
                "bias": np.round(self.bias, 6).tolist(),
                "mean": np.round(self.mean, 6).tolist(),
                "scale": np.round(self.scale, 6).tolist(),
                "temperature": round(self.temperature, 4),
                "review_thresholds": self.review_thresholds,
                "conflict_strength": self.conflict_strength,
                "meta": self.meta,
            },
            indent=1,
        )

    @classmethod
    def load(cls, path: Path) -> DecisionModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        unknown = set(data["features"]) - set(FEATURES)
        if unknown or tuple(data["classes"]) != CLASSES:
            raise ValueError(
                f"{path}: made for other features ({', '.join(sorted(unknown)) or 'classes'}); "
                "refit with claimcheck-lab calibrate"
            )
        return cls(
            names=tuple(data["features"]),
            weights=np.array(data["weights"], dtype=np.float64),
            bias=np.array(data["bias"], dtype=np.float64),
            mean=np.array(data["mean"], dtype=np.float64),
            scale=np.array(data["scale"], dtype=np.float64),
            temperature=float(data["temperature"]),
            review_thresholds={k: float(v) for k, v in data["review_thresholds"].items()},
            conflict_strength=float(data["conflict_strength"]),
            meta=dict(data.get("meta", {})),
        )


def _conflicting(judged: Sequence[Judged], strength: float) -> bool:
    supporting = {
        i for i, j in enumerate(judged) if j.score.supports >= strength and j.overlap >= 0.5
    }
    refuting = {i for i, j in enumerate(judged) if j.score.refutes >= strength and j.overlap >= 0.5}
    return bool(supporting) and bool(refuting) and supporting != refuting


def _slot_contradiction(judged: Sequence[Judged]) -> bool:
    """The sentences that support the claim all fill one of its slots with another year.

    "Mayor since January 2024" against "mayor since 2020": the cross-encoder reads two
    sentences about the same office and calls it support; the claim is refuted. Only where
    every supporting sentence names all the claim's names and none states its year.
    """
    supporting = [j for j in judged if j.score.supports >= 0.5]
    return bool(supporting) and all(
        j.mismatch.slot_year and j.mismatch.name_coverage == 1.0 for j in supporting
    )


def softmax(z: FloatArray) -> FloatArray:
    shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    out: FloatArray = e / e.sum(axis=-1, keepdims=True)
    return out


def fit_logistic(
    x: FloatArray,
    y: npt.NDArray[np.int64],
    sample_weight: FloatArray,
    *,
    l2: float = 1e-3,
    steps: int = 3000,
    learning_rate: float = 0.1,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Weighted multinomial logistic regression by full-batch gradient descent (Adam).

    Features are standardised first. Returns (weights, bias, mean, scale).
    """
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    xs = (x - mean) / scale
    d = xs.shape[1]
    k = len(CLASSES)
    onehot = np.eye(k)[y]
    w = np.zeros((d, k))
    b = np.zeros(k)
    sw = sample_weight / sample_weight.sum()
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for t in range(1, steps + 1):
        p = softmax(xs @ w + b)
        g = (p - onehot) * sw[:, None]
        grad_w = xs.T @ g + l2 * w
        grad_b = g.sum(axis=0)
        m_w = beta1 * m_w + (1 - beta1) * grad_w
        v_w = beta2 * v_w + (1 - beta2) * grad_w**2
        m_b = beta1 * m_b + (1 - beta1) * grad_b
        v_b = beta2 * v_b + (1 - beta2) * grad_b**2
        lr = learning_rate * math.sqrt(1 - beta2**t) / (1 - beta1**t)
        w -= lr * m_w / (np.sqrt(v_w) + eps)
        b -= lr * m_b / (np.sqrt(v_b) + eps)
    return w, b, mean, scale


def fit_temperature(logits: FloatArray, y: npt.NDArray[np.int64], weight: FloatArray) -> float:
    """The temperature minimising weighted NLL of held-out logits (golden-section search)."""

    def nll(t: float) -> float:
        p = softmax(logits / t)
        return float(-(weight * np.log(p[np.arange(len(y)), y] + 1e-12)).sum() / weight.sum())

    lo, hi = 0.25, 8.0
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(60):
        a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        if nll(a) < nll(b):
            hi = b
        else:
            lo = a
    return (lo + hi) / 2
