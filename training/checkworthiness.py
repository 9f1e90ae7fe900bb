"""Check-worthiness classifier: sentence -> P(checkworthy).

Commands::

    python -m training.checkworthiness prepare --out .traindata [--sample-frac F]
    python -m training.checkworthiness train   --data .traindata --out artifacts/checkworthiness
    python -m training.checkworthiness export  --weights artifacts/checkworthiness \
        --out services/intake/extraction/models/checkworthiness
    python -m training.checkworthiness evaluate \
        --model services/intake/extraction/models/checkworthiness

The decision threshold is chosen on ct24-en.dev only; ct24-en.devtest is reported at that
threshold and never used for training or selection.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np

from shared.text.words import normalize_text
from training import config as C
from training import cw_data
from training.files import sha256_file, write_json
from training.scores import average_precision, binary_f1, softmax
from training.task import run_task, seed_everything, train_task
from training.tokens import TokenSet, export_base_weights, load_tokenizer, tokenize


def prepare(data_root: Path, out: Path, sample_frac: float, max_len: int) -> None:
    """All four training files (:mod:`training.cw_data`: leaked and dev debates out), pruned,
    ``cw_data.PER_FILE`` rows each (``sample_frac`` scales it); dev = the four dev files plus
    ct24-en.devtest, which is reported and never chosen on."""
    seed_everything(C.SEED)
    rng = random.Random(C.SEED)
    out.mkdir(parents=True, exist_ok=True)
    tok = load_tokenizer(max_len)
    sp = cw_data.splits(data_root)
    texts: list[str] = []
    labels: list[int] = []
    groups: list[int] = []
    names = list(cw_data.TRAIN)
    counts = {}
    for gi, (name, rows) in enumerate(cw_data.prune((n, sp[n]) for n in cw_data.TRAIN)):
        n = int(cw_data.PER_FILE * cw_data.FILE_WEIGHT.get(name, 1.0) * sample_frac)
        picked = cw_data.balanced(rows, max(8, n), rng)
        counts[name] = {"after_pruning": len(rows), "trained_on": len(picked)}
        for r in picked:
            texts.append(normalize_text(r["text"]))
            labels.append(int(bool(r["checkworthy"])))
            groups.append(gi)
    train = tokenize(tok, texts, None, labels, groups, names)
    train.save(out / "cw_train.npz")
    dnames = [*cw_data.DEV, "ct24-en.devtest"]
    dt: list[str] = []
    dy: list[int] = []
    dg: list[int] = []
    for gi, name in enumerate(dnames):
        for r in sp[name]:
            dt.append(normalize_text(r["text"]))
            dy.append(int(bool(r["checkworthy"])))
            dg.append(gi)
    dev = tokenize(tok, dt, None, dy, dg, dnames)
    dev.save(out / "cw_dev.npz")
    base_path = out / "base_fp16.npz"
    base = export_base_weights(base_path) if not base_path.exists() else {"file": "(already there)"}
    write_json(
        out / "cw_meta.json",
        {
            "inputs_sha256": {
                n: sha256_file(data_root / "checkworthiness" / f"{n}.jsonl")
                for n in (*cw_data.TRAIN, *cw_data.DEV[:2], "ct24-en.devtest")
            },
            "base_model": base,
            "per_file": counts,
            "max_len": max_len,
            "train_rows": len(train),
            "train_label_counts": np.bincount(train.labels, minlength=2).tolist(),
            "dev_rows": len(dev),
        },
    )
    print(f"train {len(train)} texts, labels {np.bincount(train.labels).tolist()}, dev {len(dev)}")


def dev_report(logits: np.ndarray, dev: TokenSet) -> tuple[float, dict[str, Any]]:
    """One threshold for every file (best mean F1 over the dev files); the score is the mean
    of F1 on ct24-en.dev and ct20-tweets.dev and AP on the two debate dev splits (1-2 %
    positives, where F1 says little). ct24-en.devtest is reported at that threshold."""
    prob = softmax(logits)[:, 1]
    names = dev.group_names
    masks = {n: dev.group == names.index(n) for n in names}
    grid = np.round(np.linspace(0.05, 0.95, 91), 2)
    mean_f1 = [
        np.mean([binary_f1(prob[masks[n]] >= t, dev.labels[masks[n]]) for n in cw_data.DEV])
        for t in grid
    ]
    thr = float(grid[int(np.argmax(mean_f1))])
    out: dict[str, Any] = {"threshold": thr}
    parts = []
    for n in names:
        m = masks[n]
        f1 = binary_f1(prob[m] >= thr, dev.labels[m])
        ap = average_precision(prob[m], dev.labels[m])
        out[f"{n}.f1"] = round(f1, 4)
        out[f"{n}.ap"] = round(ap, 4)
        if n in cw_data.DEV:
            parts.append(ap if n in DEBATE_DEV else f1)
    score = float(np.mean(parts))
    return score, out


DEBATE_DEV = frozenset(cw_data.DEBATE_FILES.values())


def cmd_train(args: argparse.Namespace) -> None:
    train_task(args, prefix="cw", cfg=C.CHECKWORTHINESS, labels=C.CW_LABELS, select=dev_report)


def main(argv: list[str] | None = None) -> None:
    run_task(
        argv,
        task="checkworthiness",
        model_dir="services/intake/extraction/models/checkworthiness",
        max_len=C.CHECKWORTHINESS.max_len,
        prepare=prepare,
        train=cmd_train,
        evaluate="evaluate_checkworthiness",
    )


if __name__ == "__main__":
    main(sys.argv[1:])
