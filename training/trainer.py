"""Generic fine-tuning loop for :class:`training.bert.CrossEncoder` on pre-tokenized data.

Runs on CUDA (bf16 autocast) or CPU (fp32). Needs only torch + numpy, so it runs on a
bare GPU machine from the arrays written by ``prepare``. After every epoch it evaluates
on the dev set and, when the selection score improves, writes the trainable weights
(fp16, split in chunks under ``chunk_mb``) and the metrics JSON, so a run cut short
still leaves its best result behind.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from training.bert import CrossEncoder, load_base, load_trainable
from training.config import TrainConfig
from training.files import sha256_file, write_json, write_npz_parts
from training.tokens import PAD_ID, TokenSet

SelectFn = Callable[[np.ndarray, TokenSet], tuple[float, dict[str, Any]]]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def collate(ts: TokenSet, idx: np.ndarray, device: torch.device) -> dict[str, torch.Tensor]:
    lens = ts.offsets[idx + 1] - ts.offsets[idx]
    width = int(lens.max())
    ids = np.full((len(idx), width), PAD_ID, dtype=np.int64)
    for r, i in enumerate(idx):
        ids[r, : lens[r]] = ts.ids[ts.offsets[i] : ts.offsets[i + 1]]
    pos = np.arange(width)[None, :]
    mask = (pos < lens[:, None]).astype(np.int64)
    types = ((pos >= ts.len_a[idx][:, None]) & (mask == 1)).astype(np.int64)
    return {
        "input_ids": torch.from_numpy(ids).to(device, non_blocking=True),
        "attention_mask": torch.from_numpy(mask).to(device, non_blocking=True),
        "token_type_ids": torch.from_numpy(types).to(device, non_blocking=True),
    }


def length_batches(ts: TokenSet, bs: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of similar length (sorted inside buckets of 64 batches)."""
    order = rng.permutation(len(ts))
    lens = ts.offsets[1:] - ts.offsets[:-1]
    batches: list[np.ndarray] = []
    bucket = bs * 64
    for s in range(0, len(order), bucket):
        chunk = order[s : s + bucket]
        chunk = chunk[np.argsort(lens[chunk], kind="stable")]
        batches.extend(chunk[j : j + bs] for j in range(0, len(chunk), bs))
    rng.shuffle(batches)  # type: ignore[arg-type]
    return batches


@torch.no_grad()
def predict(
    model: CrossEncoder, ts: TokenSet, bs: int, device: torch.device, *, bf16: bool | None = None
) -> np.ndarray:
    """Logits of every pair, shortest first. ``bf16``: autocast (default: on CUDA only)."""
    autocast = device.type == "cuda" if bf16 is None else bf16
    model.eval()
    lens = ts.offsets[1:] - ts.offsets[:-1]
    order = np.argsort(lens, kind="stable")
    out = np.zeros((len(ts), model.classifier.out_features), dtype=np.float32)
    for s in range(0, len(order), bs):
        idx = order[s : s + bs]
        with (
            torch.inference_mode(),
            torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast),
        ):
            logits = model(**collate(ts, idx, device))
        out[idx] = logits.float().cpu().numpy()
    model.train()
    return out


def save_trainable(model: CrossEncoder, out_dir: Path, prefix: str, chunk_mb: float) -> list[str]:
    """fp16 copies of every parameter except the (frozen) word embeddings, in chunks."""
    state = {
        k: v.detach().float().cpu().numpy().astype(np.float16)
        for k, v in model.state_dict().items()
        if k != "embeddings.word_embeddings.weight"
    }
    return write_npz_parts(state, out_dir, prefix, chunk_mb)


def build_model(
    n_labels: int, cfg: TrainConfig, base_weights: Path, init: Path | None = None
) -> CrossEncoder:
    """Base MiniLM weights, then (``init``) the ``<task>.part*.npz`` of an earlier run or of
    ``training.from_onnx recover`` on top, so training continues from that model."""
    model = CrossEncoder(n_labels, dropout=cfg.dropout)
    z = np.load(base_weights)
    missing = load_base(model, {k: z[k] for k in z.files})
    if any(not k.startswith("classifier.") for k in missing):
        raise RuntimeError(f"base weights miss {missing}")
    if init is not None:
        load_trainable(model, init, cfg.task)
    if cfg.freeze_word_embeddings:
        model.embeddings.word_embeddings.weight.requires_grad_(False)
    return model


def train(  # noqa: C901 (one training loop, read top to bottom)
    *,
    cfg: TrainConfig,
    n_labels: int,
    train_set: TokenSet,
    dev_set: TokenSet,
    select: SelectFn,
    base_weights: Path,
    out_dir: Path,
    budget_s: float,
    epochs: int | None = None,
    max_steps: int | None = None,
    extra_meta: dict[str, Any] | None = None,
    chunk_mb: float = 15.0,
    init: Path | None = None,
    eval_init: bool = False,
    class_weights: list[float] | None = None,
) -> dict[str, Any]:
    """Fine-tune; ``budget_s`` limits the training loop (dev evaluations not counted)."""
    t0 = time.time()
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
    out_dir.mkdir(parents=True, exist_ok=True)
    model = build_model(n_labels, cfg, base_weights, init).to(device)
    model.train()
    n_epochs = epochs or cfg.epochs
    steps_per_epoch = math.ceil(len(train_set) / cfg.batch_size)
    total = n_epochs * steps_per_epoch
    if max_steps:
        total = min(total, max_steps)
    warmup = max(1, int(cfg.warmup_frac * total))
    decay, no_decay = [], []
    for _name, p in model.named_parameters():
        if p.requires_grad:
            (no_decay if p.ndim < 2 else decay).append(p)
    opt = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": cfg.weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=cfg.lr,
    )
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup)))
    )
    counts = np.bincount(train_set.labels, minlength=n_labels).tolist()
    weight = None
    if class_weights is not None:
        if len(class_weights) != n_labels:
            raise ValueError(f"class_weights {class_weights} do not fit {n_labels} labels")
        weight = torch.tensor(class_weights, dtype=torch.float32, device=device)
    log(
        f"{cfg.task}: device={device} train={len(train_set)} labels={counts} "
        f"dev={len(dev_set)} epochs={n_epochs} steps={total} budget={budget_s:.0f}s "
        f"bs={cfg.batch_size} lr={cfg.lr} init={init} class_weights={class_weights}"
    )
    meta: dict[str, Any] = {
        "task": cfg.task,
        "config": cfg.to_dict(),
        "device": str(device),
        "device_name": torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
        "torch": torch.__version__,
        "train_rows": len(train_set),
        "train_label_counts": counts,
        "planned_steps": total,
        "epochs": [],
        "init": None,
        "class_weights": class_weights,
        **(extra_meta or {}),
    }
    if init is not None:
        parts = sorted(init.glob(f"{cfg.task}.part*.npz"))
        meta["init"] = {"dir": str(init), "sha256": {p.name: sha256_file(p) for p in parts}}
        if eval_init:
            te = time.time()
            init_logits = predict(model, dev_set, cfg.eval_batch_size, device)
            score, dev_metrics = select(init_logits, dev_set)
            meta["init"].update(score=round(score, 4), dev=dev_metrics)
            log(f"{cfg.task} init: score={score:.4f} ({time.time() - te:.0f}s)")
            log("  " + json.dumps({k: v for k, v in dev_metrics.items() if k != "files"})[:900])
    best = -math.inf
    step = 0
    stopped = False
    loop_s = 0.0  # seconds spent in the training loop (what budget_s limits)
    for epoch in range(n_epochs):
        te = time.time()
        run_loss, seen = 0.0, 0
        pairs, last_log = 0, te
        for idx in length_batches(train_set, cfg.batch_size, rng):
            batch = collate(train_set, idx, device)
            labels = torch.from_numpy(train_set.labels[idx]).to(device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                logits = model(**batch)
            loss = torch.nn.functional.cross_entropy(logits.float(), labels, weight=weight)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
            sched.step()
            step += 1
            pairs += len(idx)
            run_loss += float(loss.detach()) if step % 50 == 0 else 0.0
            seen += 1 if step % 50 == 0 else 0
            now = time.time()
            if step % 500 == 0 or now - last_log > 60:  # CPU steps are slow: log each minute
                last_log = now
                ms = (now - te) / max(1, step - epoch * steps_per_epoch) * 1e3
                log(
                    f"  step {step}/{total} loss~{run_loss / max(1, seen):.4f} "
                    f"{ms:.1f}ms/step {pairs / (now - te):.1f} pairs/s"
                )
            if step >= total or loop_s + (now - te) > budget_s:
                stopped = step < total
                break
        train_s = time.time() - te
        loop_s += train_s
        dev_logits = predict(model, dev_set, cfg.eval_batch_size, device)
        score, dev_metrics = select(dev_logits, dev_set)
        rec = {
            "epoch": epoch + 1,
            "step": step,
            "seconds": round(time.time() - te, 1),
            "train_seconds": round(train_s, 1),
            "train_pairs": pairs,
            "train_pairs_per_s": round(pairs / max(train_s, 1e-9), 2),
            "score": round(score, 4),
            "dev": dev_metrics,
            "stopped_by_budget": stopped,
        }
        meta["epochs"].append(rec)
        log(f"{cfg.task} epoch {epoch + 1}: score={score:.4f} ({rec['seconds']}s)")
        log("  " + json.dumps({k: v for k, v in dev_metrics.items() if k != "files"})[:900])
        if score > best:
            best = score
            meta["best_epoch"] = epoch + 1
            meta["weights"] = save_trainable(model, out_dir, cfg.task, chunk_mb)
        meta["seconds"] = round(time.time() - t0, 1)
        write_json(out_dir / f"{cfg.task}.metrics.json", meta)
        if stopped or step >= total:
            break
    log(f"{cfg.task}: done in {time.time() - t0:.0f}s, best score {best:.4f}")
    return meta
