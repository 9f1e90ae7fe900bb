"""What ``claimcheck-lab calibrate`` prints and ships: the judged dev rows as feature
vectors, the decisions compared leave-one-dataset-out, the chosen one fitted, and each dev
file's held-out numbers under the whole verdict policy next to the old rule."""

from __future__ import annotations

from typing import Any

from lab.calibrate import JudgedRow
from lab.decision_fit import OPEN_SUFFIX


def dev_matrix(rows: list[JudgedRow]) -> Any:
    import numpy as np

    from lab.decision_fit import DevRows, label_index
    from workers.verification.alignment import align_texts
    from workers.verification.decision import features, judge_sentences
    from workers.verification.stance import StanceScore

    vectors = []
    judged = []
    for row in rows:
        scores = [StanceScore(s, r, n, 1.0 - n) for s, r, n in row.scores]
        alignments = align_texts(row.claim, row.sentences, row.titles, row.similarities or None)
        judged.append(
            judge_sentences(row.claim, row.sentences, scores, alignments, row.similarities or None)
        )
        joined = None
        if row.joined is not None:
            sup, ref, nei = row.joined
            joined = StanceScore(sup, ref, nei, 1.0 - nei)
        vectors.append(features(judged[-1], joined))
    return DevRows(
        ids=[r.id for r in rows],
        files=[r.file for r in rows],
        x=np.array(vectors),
        y=label_index([r.label for r in rows]),
        judged=judged,
        retrieved=[r.file.endswith(OPEN_SUFFIX) or r.file.startswith("newsroom/") for r in rows],
    )


def fit_and_report(
    rows: list[JudgedRow], *, target: float, exempt: frozenset[str] = frozenset()
) -> str:
    """Fit on ``rows``, print the out-of-fold report; the model's JSON."""
    import numpy as np

    from lab.decision_fit import FEATURE_SETS, choose_features, fit_decision
    from workers.verification.decision import CLASSES

    dev = dev_matrix(rows)
    chosen, table = choose_features(dev)
    print_feature_table(table, chosen, _joined_argmax(dev))
    fit = fit_decision(
        dev,
        target=target,
        exempt=exempt,
        names=FEATURE_SETS[chosen.features],
        l2=chosen.l2,
        meta={
            "dev_rows": len(rows),
            "feature_set": chosen.features,
            "held_out_accuracy": {str(k): round(v["mean"], 4) for k, v in table.items()},
        },
    )
    thresholds = fit.model.review_thresholds
    policy = fit.policy
    print(f"temperature {fit.model.temperature:.3f}; review thresholds {thresholds}")
    print(
        f"{'dev file (left out)':<26} {'rows':>5} {'acc':>6} {'mF1':>6} {'ECE':>6} "
        f"{'dec.prec':>8} {'coverage':>8}   old rule: acc / dec.prec / coverage"
    )
    files = sorted(set(dev.files))
    for name in [*files, "pooled"]:
        mask = np.array([name in ("pooled", f) for f in dev.files])
        gold = [CLASSES[i] for i in dev.y[mask]]
        new = _policy_metrics(gold, [p for p, m in zip(policy, mask, strict=True) if m])
        old = _old_rule(dev.x[mask], gold)
        print(
            f"{name:<26} {int(mask.sum()):>5} {new['accuracy']:6.3f} {new['macro_f1']:6.3f} "
            f"{new['ece']:6.3f} {new['decided_precision']:8.3f} {new['coverage']:8.3f}   "
            f"{old['accuracy']:.3f} / {old['decided_precision']:.3f} / {old['coverage']:.3f}"
        )
    return fit.model.to_json()


def print_feature_table(table: dict[Any, dict[str, float]], chosen: Any, joined: Any) -> None:
    """Held-out (leave-one-dataset-out) accuracy of each decision per dev file, and of the
    stance model's own reading of the joined evidence (no fit) for reference."""
    files = [f for f in next(iter(table.values())) if f != "mean"]
    given = [f for f in files if not f.endswith(OPEN_SUFFIX) and "/" not in f]
    print("held-out accuracy of the argmax, each dev dataset left out of the fit:")
    print(f"{'decision':<36} {'mean':>6} {'given':>6}  " + " ".join(f"{f[:12]:>12}" for f in files))
    rows = [*((str(c) + (" *" if c == chosen else ""), a) for c, a in table.items())]
    rows.append(("joined-evidence argmax (no fit)", joined))
    for name, accuracy in rows:
        mean_given = sum(accuracy[f] for f in given) / len(given) if given else 0.0
        print(
            f"{name:<36} {accuracy['mean']:6.3f} {mean_given:6.3f}  "
            + " ".join(f"{accuracy[f]:12.3f}" for f in files)
        )


def _joined_argmax(dev: Any) -> dict[str, float]:
    """Per file: accuracy of the stance model's argmax over the joined pass (the one
    sentence where there is one; not_enough_info where there is none)."""
    import numpy as np

    from lab.decision_fit import held_out_accuracy
    from workers.verification.decision import FEATURES

    columns = [FEATURES.index(n) for n in ("joined_support", "joined_refute", "joined_neutral")]
    per_file = held_out_accuracy(dev, dev.x[:, columns])
    return {**per_file, "mean": float(np.mean(list(per_file.values())))}


def _policy_metrics(gold: list[str], decisions: list[Any]) -> dict[str, float]:
    """Scores of the verdict policy's held-out decisions (label, confidence, review)."""
    return _summary(
        gold,
        [d.label for d in decisions],
        [d.confidence for d in decisions],
        [d.label in ("supported", "refuted") and not d.needs_review for d in decisions],
    )


def _summary(
    gold: list[str], predicted: list[str], confidence: list[float], decided: list[bool]
) -> dict[str, float]:
    from lab.verdict_eval import expected_calibration_error, score

    accuracy, macro_f1, _ = score(gold, predicted)
    correct = [g == p for g, p in zip(gold, predicted, strict=True)]
    n_decided = sum(decided)
    return {
        "accuracy": accuracy,
        "macro_f1": macro_f1,
        "ece": expected_calibration_error(confidence, correct),
        "decided_precision": (
            sum(c for c, d in zip(correct, decided, strict=True) if d) / n_decided
            if n_decided
            else 0.0
        ),
        "coverage": n_decided / len(gold) if gold else 0.0,
    }


def _old_rule(x: Any, gold: list[str]) -> dict[str, float]:
    """The rule before the decision model: the most decisive sentence decides, reviewed
    below 0.6 (read back from the features: max support / max refutation)."""
    from workers.verification.decision import FEATURES

    sup = x[:, FEATURES.index("max_support")]
    ref = x[:, FEATURES.index("max_refute")]
    relevant = 1.0 - x[:, FEATURES.index("min_neutral")] >= 0.3
    predicted = []
    confidence = []
    for s, r, rel in zip(sup.tolist(), ref.tolist(), relevant.tolist(), strict=True):
        if rel and max(s, r) > 0.5:
            predicted.append("supported" if s >= r else "refuted")
            confidence.append(max(s, r))
        else:
            predicted.append("not_enough_info")
            confidence.append(1.0 - max(s, r))
    decided = [
        p != "not_enough_info" and c >= 0.6 for p, c in zip(predicted, confidence, strict=True)
    ]
    return _summary(gold, predicted, confidence, decided)
