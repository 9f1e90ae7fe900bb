"""Issue 22 item 5: does anything beyond the shipped model's score generalise better?

Reads the score caches of :mod:`training.cw_cache` (the shipped int8 model, scored once) and
runs the experiments one at a time against the shipped model at its threshold (0.5678):

* ``features``: a logistic head over the model's logit plus one feature group of
  :mod:`training.cw_signals` at a time, fitted on the train files, threshold on pooled dev;
* ``threshold``: per-file thresholds and how they carry (each dev file -> every other;
  leave-one-file-out), and one threshold chosen on the pooled dev files;
* ``ensemble``: the mean of the model's probability and a head over the features alone.

Each candidate is compared with the shipped model on the pooled dev files (ct24-en.dev +
ct20-tweets.dev) by a paired bootstrap over sentences (:func:`paired_bootstrap`). Because
a threshold chosen on dev and scored on the same rows flatters the candidate, every
candidate is also scored **cross-fitted**: the dev rows are split in two folds (by id hash),
and each fold is decided at the threshold chosen on the other fold. ct24-en.devtest is only
reported. Test files are never read.

    .venv-train/bin/python -m training.cw_experiments --cache var/cw-cache
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from training import cw_signals
from training.cw_cache import load

SHIPPED_THRESHOLD = 0.5678
DEV = ("ct24-en.dev", "ct20-tweets.dev")
HELD_OUT = "ct24-en.devtest"
TRAIN = ("ct24-en.train", "ct20-tweets.train")
GRID = np.round(np.linspace(0.05, 0.95, 181), 3)


@dataclass
class Part:
    name: str
    rows: list[dict[str, Any]]
    y: np.ndarray
    p: np.ndarray
    fold: np.ndarray

    @staticmethod
    def of(name: str, rows: list[dict[str, Any]]) -> Part:
        fold = [int(hashlib.sha1(str(r["id"]).encode()).hexdigest(), 16) % 2 for r in rows]
        return Part(
            name,
            rows,
            np.array([bool(r["checkworthy"]) for r in rows]),
            np.array([float(r["score"]) for r in rows]),
            np.array(fold),
        )


# ---- metrics ------------------------------------------------------------------------------


def prf(pred: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> tuple[float, float, float]:
    """Precision, recall, F1 of the positive class (``w``: row multiplicities)."""
    w = np.ones(len(y)) if w is None else w
    tp = float(np.sum(w * (pred & y)))
    fp = float(np.sum(w * (pred & ~y)))
    fn = float(np.sum(w * (~pred & y)))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def best_threshold(scores: Sequence[np.ndarray], labels: Sequence[np.ndarray]) -> float:
    """The grid threshold of best F1 on the concatenated rows (ties: the middle one)."""
    s, y = np.concatenate(scores), np.concatenate(labels)
    f1 = np.array([prf(s >= t, y)[2] for t in GRID])
    best = np.flatnonzero(f1 >= f1.max() - 1e-12)
    return float(GRID[best[len(best) // 2]])


def paired_bootstrap(
    new: np.ndarray, old: np.ndarray, y: np.ndarray, n: int = 1000, seed: int = 22
) -> dict[str, float]:
    """F1(new) - F1(old) over ``n`` resamples of the rows (the same rows for both).

    Returns the observed difference, the resamples' mean and 2.5 / 97.5 percentiles and the
    share of resamples where ``new`` has the higher F1."""
    rng = np.random.default_rng(seed)
    diffs = np.empty(n)
    for i in range(n):
        w = np.bincount(rng.integers(0, len(y), len(y)), minlength=len(y)).astype(float)
        diffs[i] = prf(new, y, w)[2] - prf(old, y, w)[2]
    return {
        "observed": round(prf(new, y)[2] - prf(old, y)[2], 4),
        "mean": round(float(diffs.mean()), 4),
        "lo": round(float(np.percentile(diffs, 2.5)), 4),
        "hi": round(float(np.percentile(diffs, 97.5)), 4),
        "wins": round(float(np.mean(diffs > 0)), 3),
    }


# ---- candidates ---------------------------------------------------------------------------


@dataclass
class Candidate:
    """Scores per part (dev files, held-out) and the threshold chosen on pooled dev."""

    name: str
    scores: dict[str, np.ndarray]
    threshold: float


def _pool(parts: dict[str, Part]) -> dict[str, float]:
    return {
        str(r["id"]): float(s) for pt in parts.values() for r, s in zip(pt.rows, pt.p, strict=True)
    }


def head_scores(
    parts: dict[str, Part],
    train: Sequence[str],
    groups: Sequence[str],
    *,
    with_logit: bool,
    c: float = 1.0,
) -> dict[str, np.ndarray]:
    """P(checkworthy) of a logistic head over the model's logit (``with_logit``) and the
    feature ``groups``, fitted on the ``train`` parts (each file weighs the same)."""
    pool = _pool(parts)

    def x(pt: Part) -> np.ndarray:
        cols = [cw_signals.matrix(pt.rows, groups, pool)]
        if with_logit:
            cols.insert(0, cw_signals.logit(pt.p)[:, None] / 10.0)
        return np.hstack(cols)

    xs = [x(parts[n]) for n in train]
    ys = [parts[n].y for n in train]
    ws = [np.full(len(v), 1.0 / len(v)) * 10_000 for v in ys]
    clf = LogisticRegression(C=c, max_iter=2000)
    clf.fit(np.vstack(xs), np.concatenate(ys).astype(int), sample_weight=np.concatenate(ws))
    return {n: clf.predict_proba(x(pt))[:, 1] for n, pt in parts.items() if n not in train}


def candidate(name: str, parts: dict[str, Part], scores: dict[str, np.ndarray]) -> Candidate:
    thr = best_threshold([scores[n] for n in DEV], [parts[n].y for n in DEV])
    return Candidate(name, scores, thr)


def cross_fitted(cand: Candidate, parts: dict[str, Part]) -> np.ndarray:
    """Pooled-dev decisions where each fold is cut at the threshold chosen on the other."""
    s = np.concatenate([cand.scores[n] for n in DEV])
    y = np.concatenate([parts[n].y for n in DEV])
    fold = np.concatenate([parts[n].fold for n in DEV])
    pred = np.zeros(len(y), dtype=bool)
    for k in (0, 1):
        t = best_threshold([s[fold != k]], [y[fold != k]])
        pred[fold == k] = s[fold == k] >= t
    return pred


def compare(cand: Candidate, base: Candidate, parts: dict[str, Part]) -> dict[str, Any]:
    """Per-file P/R/F1 and three paired bootstraps on pooled dev: the candidate at its dev
    threshold vs the shipped model (in sample), the candidate cross-fitted vs the shipped
    model, and both cross-fitted (like for like: neither threshold saw the rows it cuts)."""
    y = np.concatenate([parts[n].y for n in DEV])
    old = np.concatenate([base.scores[n] for n in DEV]) >= base.threshold
    new = np.concatenate([cand.scores[n] for n in DEV]) >= cand.threshold
    per_file = {}
    for n in (*DEV, HELD_OUT):
        p, r, f = prf(cand.scores[n] >= cand.threshold, parts[n].y)
        per_file[n] = {"p": round(p, 3), "r": round(r, 3), "f1": round(f, 3)}
    p, r, f = prf(new, y)
    per_file["pooled dev"] = {"p": round(p, 3), "r": round(r, 3), "f1": round(f, 3)}
    return {
        "candidate": cand.name,
        "threshold": cand.threshold,
        "files": per_file,
        "bootstrap_in_sample": paired_bootstrap(new, old, y),
        "bootstrap_cross_fitted": paired_bootstrap(cross_fitted(cand, parts), old, y),
        "bootstrap_both_cross_fitted": paired_bootstrap(
            cross_fitted(cand, parts), cross_fitted(base, parts), y
        ),
    }


def dev_fitted_head(parts: dict[str, Part], groups: Sequence[str]) -> np.ndarray:
    """Pooled-dev decisions of a head (logit + ``groups``) fitted on dev itself, cross-fitted:
    each fold is decided by the head and threshold fitted on the other fold."""
    pool = _pool(parts)
    rows = [r for n in DEV for r in parts[n].rows]
    x = np.hstack(
        [
            cw_signals.logit(np.concatenate([parts[n].p for n in DEV]))[:, None] / 10.0,
            cw_signals.matrix(rows, groups, pool),
        ]
    )
    y = np.concatenate([parts[n].y for n in DEV])
    fold = np.concatenate([parts[n].fold for n in DEV])
    pred = np.zeros(len(y), dtype=bool)
    for k in (0, 1):
        fit = fold != k
        clf = LogisticRegression(C=1.0, max_iter=2000).fit(x[fit], y[fit].astype(int))
        t = best_threshold([clf.predict_proba(x[fit])[:, 1]], [y[fit]])
        pred[~fit] = clf.predict_proba(x[~fit])[:, 1] >= t
    return pred


def threshold_transfer(parts: dict[str, Part], names: Sequence[str]) -> dict[str, Any]:
    """Best threshold per file, F1 of each file at every other file's threshold, and
    leave-one-file-out (threshold chosen on the other files pooled)."""
    best = {n: best_threshold([parts[n].p], [parts[n].y]) for n in names}
    table = {
        src: {dst: round(prf(parts[dst].p >= t, parts[dst].y)[2], 3) for dst in names}
        for src, t in best.items()
    }
    lofo = {}
    for n in names:
        others = [m for m in names if m != n]
        t = best_threshold([parts[m].p for m in others], [parts[m].y for m in others])
        lofo[n] = {
            "threshold": t,
            "f1": round(prf(parts[n].p >= t, parts[n].y)[2], 3),
            "f1_own_best": table[n][n],
            "f1_shipped": round(prf(parts[n].p >= SHIPPED_THRESHOLD, parts[n].y)[2], 3),
        }
    return {"best": best, "f1_at_threshold_of_row": table, "leave_one_file_out": lofo}


def run(cache: Path, extra_dev: Sequence[str] = ()) -> dict[str, Any]:
    names = (*TRAIN, *DEV, HELD_OUT, *extra_dev)
    parts = {n: Part.of(n, load(cache, n)) for n in names if (cache / f"{n}.jsonl").exists()}
    scored = {n: pt.p for n, pt in parts.items() if n not in TRAIN}
    base = Candidate("shipped model @0.5678", scored, SHIPPED_THRESHOLD)
    out: dict[str, Any] = {"transfer": threshold_transfer(parts, [*DEV, *extra_dev])}
    cands = [candidate("(b) shipped model, threshold on pooled dev", parts, scored)]
    for groups in (
        ("numbers",),
        ("entities",),
        ("source",),
        ("shape",),
        ("neighbours",),
        ("numbers", "entities", "source", "shape"),
    ):
        tag = "(a) head: logit + " + "+".join(groups)
        hs = head_scores(parts, TRAIN, groups, with_logit=True)
        cands.append(candidate(tag, parts, hs))
    feats = ("numbers", "entities", "source", "shape")
    fs = head_scores(parts, TRAIN, feats, with_logit=False)
    mixed = {n: (scored[n] + fs[n]) / 2 for n in scored}
    cands.append(candidate("(c) ensemble: mean(model, feature head)", parts, mixed))
    logit_only = head_scores(parts, TRAIN, (), with_logit=True)
    cands.append(candidate("(control) head: logit only", parts, logit_only))
    out["candidates"] = [compare(c, base, parts) for c in [base, *cands]]
    y = np.concatenate([parts[n].y for n in DEV])
    old = np.concatenate([parts[n].p for n in DEV]) >= SHIPPED_THRESHOLD
    out["dev_fitted"] = {}
    for groups in (("shape",), ("numbers",), feats):
        pred = dev_fitted_head(parts, groups)
        p, r, f = prf(pred, y)
        out["dev_fitted"]["+".join(groups)] = {
            "pooled_dev": {"p": round(p, 3), "r": round(r, 3), "f1": round(f, 3)},
            "bootstrap": paired_bootstrap(pred, old, y),
        }
    return out


def _print(report: dict[str, Any]) -> None:
    tr = report["transfer"]
    print("best threshold per dev file:", tr["best"])
    print("F1 of column file at the row file's best threshold:")
    for src, row in tr["f1_at_threshold_of_row"].items():
        print(f"  {src:<18}", "  ".join(f"{k}={v:.3f}" for k, v in row.items()))
    print("leave-one-file-out:", json.dumps(tr["leave_one_file_out"]))
    for c in report["candidates"]:
        f = c["files"]
        cells = "  ".join(f"{n}: {m['p']:.3f}/{m['r']:.3f}/{m['f1']:.3f}" for n, m in f.items())
        print(f"\n{c['candidate']}  t={c['threshold']}\n  P/R/F1 {cells}")
        for k in ("bootstrap_in_sample", "bootstrap_cross_fitted", "bootstrap_both_cross_fitted"):
            b = c[k]
            print(
                f"  {k[10:]:<19} dF1 obs {b['observed']:+.4f} mean {b['mean']:+.4f} "
                f"95% [{b['lo']:+.4f}, {b['hi']:+.4f}] wins {b['wins']:.3f}"
            )


def _print_dev_fitted(report: dict[str, Any]) -> None:
    print("\n(d) head fitted on dev itself, cross-fitted (2 folds), vs the shipped model:")
    for tag, d in report["dev_fitted"].items():
        m, b = d["pooled_dev"], d["bootstrap"]
        print(
            f"  logit + {tag}: P/R/F1 {m['p']:.3f}/{m['r']:.3f}/{m['f1']:.3f}  dF1 mean "
            f"{b['mean']:+.4f} 95% [{b['lo']:+.4f}, {b['hi']:+.4f}] wins {b['wins']:.3f}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.cw_experiments")
    parser.add_argument("--cache", type=Path, default=Path("var/cw-cache"))
    parser.add_argument("--extra-dev", nargs="*", default=[])
    parser.add_argument("--out", type=Path, default=Path("var/cw-experiments.json"))
    args = parser.parse_args(argv)
    report = run(args.cache, args.extra_dev)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    _print(report)
    _print_dev_fitted(report)


if __name__ == "__main__":
    main()
