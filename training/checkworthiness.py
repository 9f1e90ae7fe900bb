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

from training import config as C
from training.common import (
    TokenSet,
    export_base_weights,
    load_tokenizer,
    normalize_text,
    read_jsonl,
    run_task,
    seed_everything,
    sha256_file,
    tokenize,
    train_task,
    write_json,
)
from training.metrics import best_f1_threshold, binary_f1, softmax


def _load(path: Path) -> tuple[list[str], list[int]]:
    rows = read_jsonl(path)
    return [normalize_text(r["text"]) for r in rows], [int(bool(r["checkworthy"])) for r in rows]


def prepare(data_root: Path, out: Path, sample_frac: float, max_len: int) -> None:
    seed_everything(C.SEED)
    rng = random.Random(C.SEED)
    out.mkdir(parents=True, exist_ok=True)
    tok = load_tokenizer(max_len)
    inputs: dict[str, str] = {}
    texts: list[str] = []
    labels: list[int] = []
    groups: list[int] = []
    names: list[str] = []
    for rel in C.CW_TRAIN_FILES:
        path = data_root / rel
        inputs[rel] = sha256_file(path)
        t, y = _load(path)
        pairs = list(zip(t, y, strict=True))
        if sample_frac < 1.0:
            pairs = rng.sample(pairs, max(8, int(len(pairs) * sample_frac)))
        names.append(Path(rel).name.removesuffix(".jsonl"))
        for text, label in pairs:
            if text:
                texts.append(text)
                labels.append(label)
                groups.append(len(names) - 1)
    train = tokenize(tok, texts, None, labels, groups, names)
    train.save(out / "cw_train.npz")
    dt: list[str] = []
    dy: list[int] = []
    dg: list[int] = []
    dnames: list[str] = []
    for rel in (C.CW_DEV_FILE, C.CW_HELDOUT_FILE):
        path = data_root / rel
        inputs[rel] = sha256_file(path)
        t, y = _load(path)
        dnames.append(Path(rel).name.removesuffix(".jsonl"))
        dt += t
        dy += y
        dg += [len(dnames) - 1] * len(t)
    dev = tokenize(tok, dt, None, dy, dg, dnames)
    dev.save(out / "cw_dev.npz")
    base_path = out / "base_fp16.npz"
    base = export_base_weights(base_path) if not base_path.exists() else {"file": "(already there)"}
    write_json(
        out / "cw_meta.json",
        {
            "inputs_sha256": inputs,
            "base_model": base,
            "sample_frac": sample_frac,
            "max_len": max_len,
            "train_rows": len(train),
            "train_label_counts": np.bincount(train.labels, minlength=2).tolist(),
            "dev_rows": len(dev),
        },
    )
    print(f"train {len(train)} texts, labels {np.bincount(train.labels).tolist()}, dev {len(dev)}")


def dev_report(logits: np.ndarray, dev: TokenSet) -> tuple[float, dict[str, Any]]:
    """Threshold on ct24-en.dev (max F1 of the positive class); held-out at that threshold."""
    prob = softmax(logits)[:, 1]
    names = dev.group_names
    d = dev.group == names.index("ct24-en.dev")
    h = dev.group == names.index("ct24-en.devtest")
    thr, f1_dev = best_f1_threshold(prob[d], dev.labels[d])
    out = {
        "threshold": thr,
        "ct24-en.dev.f1": round(f1_dev, 4),
        "ct24-en.dev.f1@0.5": round(binary_f1(prob[d] >= 0.5, dev.labels[d]), 4),
        "ct24-en.devtest.f1": round(binary_f1(prob[h] >= thr, dev.labels[h]), 4),
        "ct24-en.devtest.f1@0.5": round(binary_f1(prob[h] >= 0.5, dev.labels[h]), 4),
    }
    return f1_dev, out


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
