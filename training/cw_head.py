"""Fit the check-worthiness head on every training file, one lever at a time.

Reads the features :mod:`training.cw_features` wrote (the shipped encoder's pooled vector and
margin per sentence) and fits a logistic-regression head over them; the files' roles (train,
dev, held-out) are :mod:`training.cw_data`'s.

``python -m training.cw_head levers --features artifacts/cw-features`` prints every lever's
dev numbers, each on top of the previous one (the model card's table).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score

from training import cw_data
from training.files import DEFAULT_DATA_ROOT

TRAIN, DEV, HELDOUT = cw_data.TRAIN, cw_data.DEV, cw_data.HELDOUT
# metric each dev file is chosen on: F1 where positives are common, AP for the debates (1-2 %)
DEV_METRIC = {
    "ct24-en.dev": "f1",
    "ct20-tweets.dev": "f1",
    "ct19.dev": "ap",
    "ct20-debates.dev": "ap",
}


@dataclass
class Split:
    pooled: np.ndarray
    margin: np.ndarray
    label: np.ndarray
    id: np.ndarray
    text: np.ndarray
    doc: np.ndarray
    line: np.ndarray
    speaker: np.ndarray
    ctx: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def take(self, mask: np.ndarray) -> Split:
        return Split(**{k: (v[mask] if v.size else v) for k, v in vars(self).items()})


def _load(path: Path) -> Split:
    z = np.load(path)
    return Split(
        pooled=z["pooled"].astype(np.float32),
        margin=z["margin"],
        label=z["label"],
        id=z["id"],
        text=z["text"],
        doc=z["debate"],
        line=z["line"],
        speaker=z["speaker"],
    )


def _with_context(s: Split) -> Split:
    """Mean pooled vector of the previous and next line of the same debate (zeros elsewhere)."""
    ctx = np.zeros_like(s.pooled)
    if s.doc.size and s.doc[0]:
        by_doc: dict[str, list[int]] = defaultdict(list)
        for i, d in enumerate(s.doc.tolist()):
            by_doc[d].append(i)
        for idx in by_doc.values():
            idx.sort(key=lambda i: int(s.line[i]))
            vecs = s.pooled[idx]
            prev = np.vstack([vecs[:1] * 0, vecs[:-1]])
            nxt = np.vstack([vecs[1:], vecs[:1] * 0])
            ctx[idx] = (prev + nxt) / 2
    s.ctx = ctx
    return s


def load_all(root: Path, data_root: Path = DEFAULT_DATA_ROOT) -> dict[str, Split]:
    """The features of every split of :mod:`training.cw_data`, by split name."""
    sp = cw_data.splits(data_root)
    out: dict[str, Split] = {}
    for name in (*TRAIN, *DEV, *HELDOUT):
        source = next((t for t, d in cw_data.DEBATE_FILES.items() if d == name), name)
        feats = _with_context(_load(root / f"{source}.npz"))
        ids = {r["id"] for r in sp[name]}
        out[name] = feats.take(np.array([i in ids for i in feats.id.tolist()]))
    return out


# ---- levers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lever:
    files: tuple[str, ...] = ("ct24-en.train", "ct20-tweets.train")
    balance: bool = False
    prune: bool = False
    context: bool = False
    seeds: int = 1
    pooled_threshold: bool = False
    c: float = 0.5


def _prune(parts: list[tuple[str, Split]]) -> list[tuple[str, Split]]:
    """:func:`training.cw_data.prune` on feature splits."""
    rows = [
        (
            name,
            [
                {"id": i, "text": t, "checkworthy": bool(y)}
                for i, t, y in zip(s.id.tolist(), s.text.tolist(), s.label.tolist(), strict=True)
            ],
        )
        for name, s in parts
    ]
    kept = {r["id"] for _, rs in cw_data.prune(rows) for r in rs}
    return [(name, s.take(np.array([i in kept for i in s.id.tolist()]))) for name, s in parts]


def features(s: Split, lever: Lever) -> np.ndarray:
    cols = [s.pooled, s.margin[:, None] / 10.0]
    if lever.context:
        cols.append(s.ctx)
    return np.hstack(cols).astype(np.float32)


def _weights(parts: list[tuple[str, Split]], balance: bool) -> np.ndarray:
    if not balance:
        return np.concatenate([np.ones(len(s.label)) for _, s in parts])
    out = []
    for _, s in parts:
        n = len(s.label)
        pos = max(1, int(s.label.sum()))
        # each file weighs the same; inside a file positives count as much as negatives
        w = np.where(s.label, 0.5 / pos, 0.5 / max(1, n - pos)) * 10_000
        out.append(w)
    return np.concatenate(out)


@dataclass
class Head:
    coef: np.ndarray
    intercept: float
    lever: Lever
    threshold: float = 0.5

    def prob(self, s: Split) -> np.ndarray:
        z = features(s, self.lever) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))


def fit(data: dict[str, Split], lever: Lever) -> Head:
    parts = [(n, data[n]) for n in lever.files]
    if lever.prune:
        parts = _prune(parts)
    x = np.vstack([features(s, lever) for _, s in parts])
    y = np.concatenate([s.label for _, s in parts]).astype(int)
    w = _weights(parts, lever.balance)
    coefs, icpts = [], []
    for seed in range(lever.seeds):
        rng = np.random.default_rng(seed)
        idx = rng.choice(len(y), len(y), replace=True) if lever.seeds > 1 else np.arange(len(y))
        clf = LogisticRegression(C=lever.c, max_iter=2000)
        clf.fit(x[idx], y[idx], sample_weight=w[idx])
        coefs.append(clf.coef_[0])
        icpts.append(float(clf.intercept_[0]))
    head = Head(np.mean(coefs, axis=0), float(np.mean(icpts)), lever)
    head.threshold = choose_threshold(head, data, pooled=lever.pooled_threshold)
    return head


def _f1(y: np.ndarray, p: np.ndarray, t: float) -> float:
    return float(f1_score(y, p >= t, zero_division=0))


def choose_threshold(head: Head, data: dict[str, Split], *, pooled: bool) -> float:
    """Best F1 on ct24-en.dev, or best mean F1 over the dev files (``pooled``)."""
    names = DEV if pooled else ("ct24-en.dev",)
    probs = {n: (data[n].label, head.prob(data[n])) for n in names}
    grid = np.linspace(0.05, 0.95, 91)
    scores = [np.mean([_f1(y, p, t) for y, p in probs.values()]) for t in grid]
    return float(grid[int(np.argmax(scores))])


def report(
    prob: Callable[[Split], np.ndarray],
    threshold: float,
    data: dict[str, Split],
    names: Iterable[str],
) -> dict[str, dict[str, float]]:
    out = {}
    for n in names:
        y, p = data[n].label, prob(data[n])
        out[n] = {
            "p": float(precision_score(y, p >= threshold, zero_division=0)),
            "r": float(recall_score(y, p >= threshold, zero_division=0)),
            "f1": _f1(y, p, threshold),
            "ap": float(average_precision_score(y, p)),
            "n": len(y),
        }
    return out


def dev_score(rep: dict[str, dict[str, float]]) -> float:
    return float(np.mean([rep[n][DEV_METRIC[n]] for n in DEV]))


def _line(tag: str, rep: dict[str, dict[str, float]], names: Iterable[str]) -> str:
    cells = " ".join(f"{n.split('.')[0]}:{rep[n]['f1']:.3f}/{rep[n]['ap']:.3f}" for n in names)
    return f"{tag:<28} {cells}"


def baseline(data: dict[str, Split]) -> tuple[Callable[[Split], np.ndarray], float]:
    return (lambda s: 1.0 / (1.0 + np.exp(-s.margin))), 0.5678


LEVERS: list[tuple[str, dict[str, Any]]] = [
    ("head on ct24+tweets (as before)", {}),
    ("+ ct19 and ct20-debates", {"files": TRAIN}),
    ("+ per-file balancing", {"balance": True}),
    ("+ pruning", {"prune": True}),
    ("+ context (neighbour lines)", {"context": True}),
    ("+ 5 seeds (bagged)", {"seeds": 5}),
    ("+ threshold on pooled dev", {"pooled_threshold": True}),
]


def cmd_levers(root: Path) -> None:
    data = load_all(root)
    prob, t = baseline(data)
    rep = report(prob, t, data, DEV)
    print("F1/AP per dev file; score = mean(F1 ct24, F1 tweets, AP ct19, AP ct20)")
    print(_line("shipped model (margin)", rep, DEV), f"score {dev_score(rep):.3f}")
    lever = Lever()
    for tag, change in LEVERS:
        cand = replace(lever, **change)
        head = fit(data, cand)
        rep = report(head.prob, head.threshold, data, DEV)
        print(
            _line(tag, rep, DEV), f"score {dev_score(rep):.3f} t={head.threshold:.2f}", flush=True
        )
        lever = cand


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.cw_head")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("levers")
    p.add_argument("--features", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.cmd == "levers":
        cmd_levers(args.features)


if __name__ == "__main__":
    main()
