"""Fitting the claim-level decision on dev files (what ``claimcheck-lab calibrate`` runs).

1. Every dev row is judged by the verifier exactly as in service (its given evidence,
   the same sentence selection and stance model): one feature vector per claim.
2. A leave-one-file-out cross-fit gives every dev row a prediction from a model that never
   saw its file, as a newsroom's claims come from domains the model never saw: the
   temperature and the review thresholds are chosen on those predictions.
3. The final model is fitted on every dev row; each file weighs the same in total, so the
   3,425 VitaminC rows do not drown the 419 COVID-Fact ones.

Review thresholds: for each label, the lowest confidence from which the held-out
verdicts of that label are right at least ``target`` of the time, pooled and in every dev
file with at least ``min_decided`` of them (``exempt`` files are reported, not
constrained). A label that cannot reach the target gets no threshold (always reviewed).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from workers.verification import publish_policy
from workers.verification.decision import (
    CLASSES,
    COMPACT,
    FEATURES,
    DecisionModel,
    FloatArray,
    Judged,
    Outcome,
    fit_logistic,
    fit_temperature,
    softmax,
)
from workers.verification.verdict_policy import (
    RULE_KEYS,
    EvidenceDecision,
    decide_on_evidence,
)

THRESHOLD_GRID = tuple(round(0.34 + 0.01 * i, 2) for i in range(66))
OPEN_SUFFIX = "(open)"
"""The file name suffix of a dev file judged on its pooled corpus: the same claims as the
file's given-evidence rows, so both are left out together. Those rows are fitted on but not
held to the precision target when choosing review thresholds: their labels are artefacts of
the pooling (FEVER-symmetric's twin claims share their evidence, so half the verdicts are
wrong by construction), not what a newsroom's knowledge base gives."""

FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "compact": COMPACT,
    "compact without joined": tuple(n for n in COMPACT if not n.startswith("joined_")),
    "compact without alignment": tuple(
        n for n in COMPACT if not n.startswith(("conflict_", "align_"))
    ),
    "compact with retrieval": (*COMPACT, "best_similarity"),
    "all": FEATURES,
    "all without joined": tuple(n for n in FEATURES if not n.startswith("joined_")),
}
"""The decisions compared leave-one-file-out (``claimcheck-lab calibrate``); the best mean
held-out accuracy is fitted and shipped."""


@dataclass(frozen=True)
class DevRows:
    """Feature vectors of dev claims with their gold labels and files."""

    ids: list[str]
    files: list[str]
    x: FloatArray
    y: npt.NDArray[np.int64]
    judged: list[list[Judged]] = field(default_factory=list)
    """Each row's judged sentences (with their alignment): what the verdict policy reads."""
    retrieved: list[bool] = field(default_factory=list)
    """Whether each row's sentences were retrieved (not given with the claim)."""

    @property
    def groups(self) -> list[str]:
        """The dataset each row comes from: what is left out together."""
        return [f.removesuffix(f" {OPEN_SUFFIX}") for f in self.files]

    def columns(self, names: Sequence[str]) -> FloatArray:
        x: FloatArray = self.x[:, [FEATURES.index(n) for n in names]]
        return x

    def weights(self) -> FloatArray:
        """Each file weighs the same in total."""
        counts: dict[str, int] = {}
        for f in self.files:
            counts[f] = counts.get(f, 0) + 1
        return np.array([1.0 / counts[f] for f in self.files])


def fold_of(row_id: str) -> int:
    return hashlib.sha256(row_id.encode("utf-8")).digest()[0] % 2


def out_of_fold_logits(
    rows: DevRows, *, l2: float, names: Sequence[str] = FEATURES, steps: int = 3000
) -> FloatArray:
    """Each dataset's logits from a model fitted on the other datasets (a dev file's
    given-evidence and retrieved-evidence rows are left out together; two hash folds when
    there is only one dataset)."""
    datasets = sorted(set(rows.groups))
    if len(datasets) > 1:
        groups = np.array([datasets.index(g) for g in rows.groups])
    else:
        groups = np.array([fold_of(i) for i in rows.ids])
    x = rows.columns(names)
    logits = np.zeros((len(rows.ids), len(CLASSES)))
    weights = rows.weights()
    for group in sorted(set(groups.tolist())):
        train, test = groups != group, groups == group
        w, b, mean, scale = fit_logistic(
            x[train], rows.y[train], weights[train], l2=l2, steps=steps
        )
        logits[test] = ((x[test] - mean) / scale) @ w + b
    return logits


def held_out_accuracy(rows: DevRows, logits: FloatArray) -> dict[str, float]:
    """Accuracy of the held-out argmax per dev file (file name -> accuracy)."""
    predicted = logits.argmax(axis=1)
    files = np.array(rows.files)
    return {
        f: float((predicted[files == f] == rows.y[files == f]).mean())
        for f in sorted(set(rows.files))
    }


@dataclass(frozen=True)
class Choice:
    """A decision compared leave-one-dataset-out: a feature set and its L2 penalty."""

    features: str
    """A key of :data:`FEATURE_SETS` (or of the candidates given)."""
    l2: float

    def __str__(self) -> str:
        return f"{self.features}, l2={self.l2:g}"


L2_GRID = (1e-3, 0.1, 1.0)
"""L2 penalties compared (features standardised): a stronger one trades in-sample fit for
decisions that carry over to a file the fit never saw."""


def choose_features(
    rows: DevRows,
    *,
    candidates: dict[str, tuple[str, ...]] | None = None,
    l2_grid: Sequence[float] = L2_GRID,
) -> tuple[Choice, dict[Choice, dict[str, float]]]:
    """The feature set and penalty whose held-out accuracy, averaged over dev files (each
    weighs the same), is highest; and every choice's per-file table (with ``"mean"``)."""
    sets = candidates or FEATURE_SETS
    table: dict[Choice, dict[str, float]] = {}
    for name, names in sets.items():
        for l2 in l2_grid:
            logits = out_of_fold_logits(rows, l2=l2, names=names, steps=800)
            per_file = held_out_accuracy(rows, logits)
            table[Choice(name, l2)] = {**per_file, "mean": float(np.mean(list(per_file.values())))}
    best = max(table, key=lambda c: table[c]["mean"])
    return best, table


def choose_thresholds(
    probs: FloatArray,
    rows: DevRows,
    *,
    target: float,
    min_decided: int,
    exempt: frozenset[str] = frozenset(),
) -> dict[str, float]:
    """label -> lowest threshold meeting ``target`` pooled and per file (see module doc)."""
    predicted = probs.argmax(axis=1)
    confidence = probs.max(axis=1)
    chosen: dict[str, float] = {}
    for k, label in enumerate(CLASSES):
        t = _lowest_threshold(
            predicted == k, predicted, confidence, rows, target, min_decided, exempt
        )
        if t is not None:
            chosen[label] = t
    return chosen


def _lowest_threshold(
    candidates: npt.NDArray[np.bool_],
    predicted: npt.NDArray[np.int64],
    confidence: FloatArray,
    rows: DevRows,
    target: float,
    min_decided: int,
    exempt: frozenset[str],
) -> float | None:
    """The lowest threshold at which the ``candidates`` decided are right at least
    ``target`` of the time, pooled and in every file with ``min_decided`` of them; None."""
    files = np.array(rows.files)
    held = ~np.isin(files, sorted(exempt))
    for t in THRESHOLD_GRID:
        decided = candidates & (confidence >= t) & held
        if decided.sum() < min_decided:
            return None
        if _precision(decided, predicted, rows.y) < target:
            continue
        if all(
            _precision(decided & (files == f), predicted, rows.y) >= target
            for f in set(rows.files) - exempt
            if (decided & (files == f)).sum() >= min_decided
        ):
            return t
    return None


def _precision(
    decided: npt.NDArray[np.bool_], predicted: npt.NDArray[np.int64], gold: npt.NDArray[np.int64]
) -> float:
    n = int(decided.sum())
    return float((predicted[decided] == gold[decided]).sum()) / n if n else 0.0


def choose_rule_thresholds(
    probs: FloatArray,
    rows: DevRows,
    model_thresholds: dict[str, float],
    *,
    target: float,
    min_decided: int,
    exempt: frozenset[str] = frozenset(),
) -> tuple[dict[str, float], list[EvidenceDecision]]:
    """The review thresholds of the alignment's own decisions (:data:`RULE_KEYS`: a
    refutation per kind of conflicting detail, a support), chosen like the model's on the
    held-out predictions, and every row's held-out decision under the whole policy."""

    def decisions(thresholds: dict[str, float]) -> list[EvidenceDecision]:
        retrieved = rows.retrieved or [False] * len(rows.judged)
        return [
            decide_on_evidence(_outcome(p, model_thresholds), judged, thresholds, retrieved=r)
            for p, judged, r in zip(probs, rows.judged, retrieved, strict=True)
        ]

    unreviewed = decisions({})
    confidence = np.array([d.confidence for d in unreviewed])
    # "conflicting" (equally strong agreement and conflict) is never a dev file's label
    predicted = np.array([CLASSES.index(d.label) if d.label in CLASSES else -1 for d in unreviewed])
    chosen: dict[str, float] = {}
    for key in RULE_KEYS:
        from_rule = np.array([d.rule == key for d in unreviewed])
        t = _lowest_threshold(from_rule, predicted, confidence, rows, target, min_decided, exempt)
        if t is not None:
            chosen[key] = t
    return chosen, decisions({**model_thresholds, **chosen})


def _outcome(probs: FloatArray, thresholds: dict[str, float]) -> Outcome:
    k = int(probs.argmax())
    return Outcome(
        label=CLASSES[k],
        probabilities={c: float(p) for c, p in zip(CLASSES, probs, strict=True)},
        # the review rule the worker applies, not a copy of it
        **publish_policy.by_model(float(probs[k]), thresholds.get(CLASSES[k])),
    )


@dataclass(frozen=True)
class FitReport:
    model: DecisionModel
    oof_probabilities: FloatArray
    policy: list[EvidenceDecision]
    """Each row's held-out decision under the whole verdict policy."""


def fit_decision(
    rows: DevRows,
    *,
    target: float = 0.92,
    min_decided: int = 15,
    l2: float = 1e-3,
    exempt: frozenset[str] = frozenset(),
    meta: dict[str, object] | None = None,
    names: Sequence[str] = FEATURES,
) -> FitReport:
    """The decision model over ``names`` fitted on ``rows`` with out-of-fold temperature and
    thresholds."""
    weights = rows.weights()
    logits = out_of_fold_logits(rows, l2=l2, names=names)
    temperature = fit_temperature(logits, rows.y, weights)
    probs = softmax(logits / temperature)
    thresholds = choose_thresholds(
        probs, rows, target=target, min_decided=min_decided, exempt=exempt
    )
    policy: list[EvidenceDecision] = []
    if rows.judged:
        rules, policy = choose_rule_thresholds(
            probs, rows, thresholds, target=target, min_decided=min_decided, exempt=exempt
        )
        thresholds = {**thresholds, **rules}
    w, b, mean, scale = fit_logistic(rows.columns(names), rows.y, weights, l2=l2)
    model = DecisionModel(
        names=tuple(names),
        weights=w,
        bias=b,
        mean=mean,
        scale=scale,
        temperature=temperature,
        review_thresholds=thresholds,
        meta={
            "target_precision": target,
            "min_decided": min_decided,
            "l2": l2,
            "exempt_from_thresholds": sorted(exempt),
            **(meta or {}),
        },
    )
    return FitReport(model=model, oof_probabilities=probs, policy=policy)


def label_index(labels: Sequence[str]) -> npt.NDArray[np.int64]:
    return np.array([CLASSES.index(label) for label in labels], dtype=np.int64)
