"""Stance v3 on the GPU machine: the model it starts from and the training loop.

The initial weights are recovered from ``workers/models/stance/model.onnx`` (or the
bundle's embedded fp16 copy), word embeddings included and frozen. The loop: bf16
autocast (CUDA and CPU), length-bucketed dynamic padding, AdamW, cross-entropy on the 3-way
labels and the partial-label loss -log(P(refuted) + P(not_enough_info)) on
``not_supported``; a linear warm-up and decay over ``progress = max(step / steps, seconds
/ budget)``; dev scores after each epoch (or ``--eval-every`` steps), the best weights
written at each improvement; checkpoints (:class:`Run`) to resume from. Apart from the
export and scoring (:mod:`training.stance_v3_gpu_export`) and the command
(:mod:`training.stance_v3_gpu`); the same import rule holds.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from training import config as C
from training.bert import CrossEncoder
from training.files import sha256_file
from training.pair_table import PairTable
from training.stance_data import dev_report
from training.stance_v3_gpu_export import T0, log, write_weights
from training.tokens import TokenSet
from training.trainer import collate, length_batches, predict

NOT_SUPPORTED = 3
WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"


# ---- data and weights ---------------------------------------------------------------------


def load_bundle(bundle: Path) -> tuple[dict[str, Any], TokenSet, TokenSet]:
    meta = json.loads((bundle / "meta.json").read_text(encoding="utf-8"))
    if meta.get("format") != "stance-v3-bundle/1":
        raise SystemExit(f"{bundle}: not a stance v3 bundle ({meta.get('format')})")
    train = PairTable.load(bundle / "train.npz").materialize()
    dev = PairTable.load(bundle / "dev.npz").materialize()
    return meta, train, dev


def init_params(meta: dict[str, Any], bundle: Path, init_onnx: Path) -> dict[str, np.ndarray]:
    """Every parameter of the model v3 starts from (float32)."""
    emb = meta["init"].get("embedded")
    if emb:
        from safetensors.numpy import load_file

        path = bundle / emb["file"]
        if sha256_file(path) != emb["sha256"]:
            raise SystemExit(f"{path}: sha256 differs from the bundle's meta")
        return {k: v.astype(np.float32) for k, v in load_file(str(path)).items()}
    from training.from_onnx import check_complete, expected_shapes, map_initializers, read_onnx

    got = sha256_file(init_onnx)
    if got != meta["init"]["sha256"]:
        raise SystemExit(
            f"{init_onnx} sha256 {got} is not the bundle's {meta['init']['sha256']}: "
            "the shipped model changed since prepare; run prepare again"
        )
    nodes, inits = read_onnx(init_onnx)
    params, _ = map_initializers(nodes, inits)
    check_complete(params, expected_shapes(len(C.STANCE_LABELS)))
    if WORD_EMBEDDINGS not in params:
        raise SystemExit(f"{init_onnx}: no word embeddings recovered")
    return params


def build_model(params: dict[str, np.ndarray], dropout: float) -> CrossEncoder:
    model = CrossEncoder(len(C.STANCE_LABELS), dropout=dropout)
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in params.items()})
    model.embeddings.word_embeddings.weight.requires_grad_(False)
    return model


def trainable_state(model: CrossEncoder) -> dict[str, torch.Tensor]:
    return {
        k: v.detach().float().cpu().clone()
        for k, v in model.state_dict().items()
        if k != WORD_EMBEDDINGS
    }


# ---- loss and schedule --------------------------------------------------------------------


def partial_label_loss(
    logits: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor
) -> torch.Tensor:
    """Cross-entropy on labels 0-2; -log(P(refuted) + P(not_enough_info)) on label 3
    (``not_supported``); ``weights`` per label (4), a weighted mean over the batch."""
    logp = torch.log_softmax(logits.float(), dim=-1)
    three = labels.clamp(max=2)
    nll = -logp.gather(1, three[:, None]).squeeze(1)
    partial = -torch.logsumexp(logp[:, 1:3], dim=1)
    per = torch.where(labels == NOT_SUPPORTED, partial, nll)
    w = weights[labels]
    return (per * w).sum() / w.sum()


def label_weights(counts: list[int], mode: str, binary: float) -> list[float]:
    """Loss weight of labels 0-3: ``sqrt`` = inverse-square-root frequency of the three
    classes (mean 1), ``not_supported`` the mean of refuted and not_enough_info."""
    from training.stance_levers import class_weights

    three = class_weights(counts[:3], mode) if mode != "none" else None
    w = list(three) if three else [1.0, 1.0, 1.0]
    return [*w, binary * (w[1] + w[2]) / 2]


def lr_factor(progress: float, warmup: float) -> float:
    if progress < warmup:
        return max(progress, 1e-3) / warmup
    return max(0.0, (1.0 - progress) / max(1e-9, 1.0 - warmup))


# ---- the run ------------------------------------------------------------------------------


class Run:
    """Training state that a checkpoint holds."""

    def __init__(self) -> None:
        self.step = 0
        self.epoch = 0
        self.batch = 0  # next batch of ``epoch``
        self.train_s = 0.0  # seconds in the training loop, over resumes
        self.pairs = 0
        self.best_score = -math.inf
        self.best_step = 0
        self.best_epoch = 0
        self.best_state: dict[str, torch.Tensor] | None = None
        self.history: list[dict[str, Any]] = []
        self.stopped_by = ""

    def save(self, path: Path, model: CrossEncoder, opt: torch.optim.Optimizer) -> None:
        tmp = path.with_suffix(".tmp")
        torch.save(
            {
                "run": {k: v for k, v in vars(self).items() if k != "best_state"},
                "best_state": self.best_state,
                "model": trainable_state(model),
                "opt": opt.state_dict(),
                "torch_rng": torch.get_rng_state(),
                "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
            },
            tmp,
        )
        tmp.replace(path)

    def load(self, path: Path, model: CrossEncoder, opt: torch.optim.Optimizer) -> None:
        ck = torch.load(path, map_location="cpu", weights_only=False)
        for k, v in ck["run"].items():
            setattr(self, k, v)
        self.best_state = ck["best_state"]
        self.stopped_by = ""  # a resumed run goes on until its own stops
        model.load_state_dict(ck["model"], strict=False)
        opt.load_state_dict(ck["opt"])
        torch.set_rng_state(ck["torch_rng"])
        if ck.get("cuda_rng") is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(ck["cuda_rng"])


def evaluate(
    run: Run,
    model: CrossEncoder,
    dev: TokenSet,
    args: argparse.Namespace,
    device: torch.device,
    out: Path,
) -> None:
    te = time.time()
    logits = predict(model, dev, args.eval_batch_size, device, bf16=not args.no_bf16)
    score, rep = dev_report(logits, dev)
    rec = {
        "step": run.step,
        "epoch": run.epoch + (0 if run.batch == 0 else 1),
        "score": round(score, 4),
        "train_s": round(run.train_s, 1),
        "eval_s": round(time.time() - te, 1),
        "summary": rep["summary"],
    }
    run.history.append(rec)
    log(f"dev after step {run.step}: score {score:.4f} ({rec['eval_s']}s) {rep['summary']}")
    if score > run.best_score:
        run.best_score, run.best_step, run.best_epoch = score, run.step, rec["epoch"]
        run.best_state = trainable_state(model)
        write_weights(run.best_state, out)
        log(f"  best so far: weights -> {out}/stance.part*.npz")


def train_loop(  # noqa: C901 (one loop with its stops, read top to bottom)
    args: argparse.Namespace,
    model: CrossEncoder,
    train: TokenSet,
    dev: TokenSet,
    device: torch.device,
    out: Path,
    run_dir: Path,
) -> Run:
    counts = np.bincount(train.labels, minlength=4).tolist()
    weights = torch.tensor(
        label_weights(counts, args.class_weights, args.binary_weight), device=device
    )
    steps_per_epoch = math.ceil(len(train) / args.batch_size)
    total = args.epochs * steps_per_epoch
    if args.max_steps:
        total = min(total, args.max_steps)
    decay, no_decay = [], []
    for p in model.parameters():
        if p.requires_grad:
            (no_decay if p.ndim < 2 else decay).append(p)
    opt_kw: dict[str, Any] = {"lr": args.lr}
    if device.type == "cuda":
        opt_kw["fused"] = True
    opt = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": args.weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        **opt_kw,
    )
    run = Run()
    ckpt = run_dir / "ckpt.pt"
    if args.resume and ckpt.is_file():
        run.load(ckpt, model, opt)
        log(f"resumed {ckpt}: step {run.step}, epoch {run.epoch}, batch {run.batch}")
    elif args.resume:
        log(f"--resume: no {ckpt}, starting afresh")
    hard_stop = T0 + args.deadline_s - args.reserve_s
    log(
        f"train: {len(train)} pairs, labels {counts} (weights {weights.tolist()}), "
        f"{steps_per_epoch} steps/epoch, planned {total} steps, budget {args.budget_s:.0f}s, "
        f"loop ends by +{hard_stop - T0:.0f}s, bs {args.batch_size}, lr {args.lr}"
    )
    model.train()
    t_start = time.time()
    base_s = run.train_s
    last_t, last_pairs, loss_acc, loss_n = time.time(), run.pairs, 0.0, 0
    last_eval = run.step if run.history else -1
    autocast = not args.no_bf16  # bf16 on CUDA and on CPUs (38 against 22 pairs/s here)

    def progress() -> float:
        return max(run.step / total, (base_s + time.time() - t_start) / args.budget_s)

    while run.epoch < args.epochs and not run.stopped_by:
        batches = length_batches(
            train, args.batch_size, np.random.default_rng(args.seed + run.epoch)
        )
        while run.batch < len(batches):
            p = progress()
            if run.step >= total:
                run.stopped_by = "steps"
            elif p >= 1.0:
                run.stopped_by = "budget"
            elif time.time() >= hard_stop:
                run.stopped_by = "deadline"
            if run.stopped_by:
                break
            f = lr_factor(p, args.warmup_frac)
            for group in opt.param_groups:
                group["lr"] = args.lr * f
            idx = batches[run.batch]
            batch = collate(train, idx, device)
            labels = torch.from_numpy(train.labels[idx]).to(device, non_blocking=True)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
                logits = model(**batch)
            loss = partial_label_loss(logits, labels, weights)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), C.STANCE_V3.grad_clip)
            opt.step()
            run.step += 1
            run.batch += 1
            run.pairs += len(idx)
            if run.step % 10 == 0 or run.step < 10:
                loss_acc += float(loss.detach())
                loss_n += 1
            run.train_s = base_s + time.time() - t_start
            if run.step % args.log_every == 0:
                now = time.time()
                rate = (run.pairs - last_pairs) / max(1e-9, now - last_t)
                log(
                    f"step {run.step}/{total} ep {run.epoch + 1} progress {p:.3f} "
                    f"lr {args.lr * f:.2e} loss~{loss_acc / max(1, loss_n):.4f} "
                    f"{rate:.0f} pairs/s"
                )
                last_t, last_pairs, loss_acc, loss_n = now, run.pairs, 0.0, 0
            if args.ckpt_every and run.step % args.ckpt_every == 0:
                run.save(ckpt, model, opt)
                log(f"checkpoint {ckpt} at step {run.step}")
            if args.eval_every and run.step % args.eval_every == 0:
                evaluate(run, model, dev, args, device, out)
                last_eval = run.step
                model.train()
            if args.stop_after and run.step >= args.stop_after:
                run.save(ckpt, model, opt)
                log(f"--stop-after {args.stop_after}: checkpoint written, leaving")
                run.stopped_by = "stop-after"
                return run
        if run.batch >= len(batches):
            run.epoch += 1
            run.batch = 0
            if last_eval != run.step:
                evaluate(run, model, dev, args, device, out)
                last_eval = run.step
                model.train()
    if last_eval != run.step or run.best_state is None:
        evaluate(run, model, dev, args, device, out)
    run.stopped_by = run.stopped_by or "epochs"
    log(
        f"training ended ({run.stopped_by}) at step {run.step}: {run.pairs} pairs in "
        f"{run.train_s:.0f}s of loop ({run.pairs / max(1e-9, run.train_s):.0f} pairs/s); "
        f"best step {run.best_step} score {run.best_score:.4f}"
    )
    run.save(ckpt, model, opt)
    return run
