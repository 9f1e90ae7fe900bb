"""Classification metrics and temperature scaling (numpy only)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = logits / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def classification_report(
    pred: np.ndarray, gold: np.ndarray, labels: Sequence[str]
) -> dict[str, Any]:
    """Accuracy, macro-F1 over the classes present in gold, per-class P/R/F1 and support."""
    out: dict[str, Any] = {"n": int(gold.shape[0])}
    if gold.shape[0] == 0:
        return out
    out["accuracy"] = float((pred == gold).mean())
    per: dict[str, Any] = {}
    f1s = []
    for i, name in enumerate(labels):
        tp = int(((pred == i) & (gold == i)).sum())
        fp = int(((pred == i) & (gold != i)).sum())
        fn = int(((pred != i) & (gold == i)).sum())
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        support = int((gold == i).sum())
        per[name] = {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f, 4),
            "support": support,
            "predicted": int((pred == i).sum()),
        }
        if support:
            f1s.append(f)
    out["macro_f1"] = float(np.mean(f1s)) if f1s else 0.0
    out["per_class"] = per
    return out


def ece(probs: np.ndarray, gold: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error of the top-class confidence (equal-width bins)."""
    conf = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == gold).astype(np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        sel = (conf > lo) & (conf <= hi)
        if sel.any():
            total += sel.mean() * abs(correct[sel].mean() - conf[sel].mean())
    return float(total)


def nll(logits: np.ndarray, gold: np.ndarray, temperature: float) -> float:
    p = softmax(logits, temperature)
    return float(-np.log(np.clip(p[np.arange(gold.shape[0]), gold], 1e-12, None)).mean())


def fit_temperature(logits: np.ndarray, gold: np.ndarray) -> float:
    """Temperature minimising NLL (golden-section search on log T in [-2, 2])."""
    lo, hi = -2.0, 2.0
    g = (np.sqrt(5) - 1) / 2
    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    fa, fb = nll(logits, gold, float(np.exp(a))), nll(logits, gold, float(np.exp(b)))
    for _ in range(60):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - g * (hi - lo)
            fa = nll(logits, gold, float(np.exp(a)))
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo)
            fb = nll(logits, gold, float(np.exp(b)))
    return float(np.exp((lo + hi) / 2))


def best_f1_threshold(prob: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    """Threshold on P(positive) maximising positive-class F1; returns (threshold, f1)."""
    best = (0.5, -1.0)
    for t in np.unique(np.round(prob, 4)):
        f = binary_f1(prob >= t, gold)
        if f > best[1]:
            best = (float(t), f)
    return best


def binary_f1(pred: np.ndarray, gold: np.ndarray) -> float:
    tp = float((pred & (gold == 1)).sum())
    fp = float((pred & (gold != 1)).sum())
    fn = float((~pred & (gold == 1)).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def average_precision(prob: np.ndarray, gold: np.ndarray) -> float:
    """Average precision of the positive class (ties broken by order, as scikit-learn's)."""
    pos = int((gold == 1).sum())
    if pos == 0:
        return 0.0
    order = np.argsort(-prob, kind="stable")
    hits = (gold[order] == 1).astype(np.float64)
    precision_at = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float((precision_at * hits).sum() / pos)
