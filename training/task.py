"""The command line and steps every training task shares (``python -m training.<task>
prepare|train|export|evaluate``): argument parsing, seeding, sampling the training set,
``train`` from prepared arrays, and dispatch to the exporter and the evaluator.

Only a task's entry module (:mod:`training.stance`, :mod:`training.checkworthiness`)
imports this one, and nothing this one imports (the trainer, exporter, evaluator, data
levers) imports it or a task back. Those are imported where a command needs them, so
``prepare`` needs no torch and ``train`` neither onnx nor onnxruntime.
"""

from __future__ import annotations

import argparse
import json
import os
import random
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from training.files import DEFAULT_DATA_ROOT
from training.tokens import TokenSet


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)


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
