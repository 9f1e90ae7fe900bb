"""Check-worthiness on a lent GPU machine: all-mpnet-base-v2 (or any BERT / MPNet folder).

Prepared here, one command there, the files back under ``$OUT``, as the stance v3 recipe::

    # here (training venv): token tables + tokenizer + meta, ~1.5 MiB, 3 s
    .venv-train/bin/python -m training.checkworthiness_gpu prepare \
        --base <all-mpnet-base-v2 folder> --out var/cw-gpu-bundle
    # there: device run, carry ["var/cw-gpu-bundle"], timeout_s 540, command
    CW_BASE=<folder on that machine> timeout 520 python3 -m training.checkworthiness_gpu run
    # here: join the returned parts into a model folder the runtime reads
    .venv-train/bin/python -m training.checkworthiness_gpu reassemble \
        --from <returned files> --out services/intake/extraction/models/checkworthiness-mpnet

**The base model comes from a path (``--base`` / ``CW_BASE``), never from the bundle.** A device
call carries at most 64 MiB of working tree and the machine reaches no package index, while
the all-mpnet-base-v2 weights are 438 MB (fp32; 220 MB in fp16). So ``run`` only works on a
machine where that folder already is (``config.json`` with ``model_type`` ``mpnet``,
``model.safetensors`` or ``pytorch_model.bin``); the tokenizer travels in the bundle. The
int8 export of mpnet is ~110 MB, returned as ``model.onnx.part<i>`` of < 15 MiB each.

Training set: :mod:`training.cw_data` (all four training files, pruned, balanced per file,
ct24-en counted double, as ``training.checkworthiness prepare``); dev: ct24-en.dev,
ct20-tweets.dev, ct19.dev, ct20-debates.dev; ct24-en.devtest is scored and reported, never
chosen on. The threshold is the best F1 on ct24-en.dev + ct20-tweets.dev pooled.

``run`` imports torch, numpy, onnx and onnxruntime only (not tokenizers, transformers or
scikit-learn), as the machine has nothing else.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from shared.text.words import normalize_text
from training.files import DEFAULT_DATA_ROOT, sha256_file, write_json

LABELS = ["not_checkworthy", "checkworthy"]
THRESHOLD_FILES = ("ct24-en.dev", "ct20-tweets.dev")
PART_BYTES = 15 * 1024 * 1024
CARRY_LIMIT = "64 MiB per device call, no package index; all-mpnet-base-v2 is 438 MB"
T0 = time.time()
LOG: list[Path] = []
"""Where :func:`log` also writes (``<out>/train.log`` once ``run`` starts)."""


def log(msg: str) -> None:
    line = f"[+{time.time() - T0:6.1f}s] {msg}"
    print(line, flush=True)
    for path in LOG:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


# ---- here: the bundle ---------------------------------------------------------------------


def _table(tok: Any, texts: list[str], max_len: int) -> tuple[np.ndarray, np.ndarray]:
    encs = tok.encode_batch(texts)
    ids = np.zeros((len(texts), max_len), dtype=np.int32)
    lens = np.zeros(len(texts), dtype=np.int32)
    for i, e in enumerate(encs):
        n = min(len(e.ids), max_len)
        ids[i, :n] = e.ids[:n]
        lens[i] = n
    return ids, lens


def prepare(
    data_root: Path, base: Path, out: Path, *, max_len: int, frac: float, max_rows: int
) -> dict[str, Any]:
    """Tokenized train / dev tables (``train.npz``, ``dev.npz``), ``tokenizer.json`` and
    ``meta.json`` under ``out``; ``max_rows`` > 0 keeps that many rows of each (tests)."""
    from tokenizers import Tokenizer

    from training import cw_data
    from training.tokens import write_tokenizer

    rng = random.Random(13)
    out.mkdir(parents=True, exist_ok=True)
    write_tokenizer(base / "tokenizer.json", out / "tokenizer.json", max_len)
    tok = Tokenizer.from_file(str(out / "tokenizer.json"))
    sp = cw_data.splits(data_root)
    train: list[tuple[str, int]] = []
    for name, rows in cw_data.prune((n, sp[n]) for n in cw_data.TRAIN):
        n = max(8, int(cw_data.PER_FILE * cw_data.FILE_WEIGHT.get(name, 1.0) * frac))
        train += [
            (normalize_text(r["text"]), int(bool(r["checkworthy"])))
            for r in cw_data.balanced(rows, n, rng)
        ]
    rng.shuffle(train)
    dev_names = [*cw_data.DEV, "ct24-en.devtest"]
    dev = [
        (normalize_text(r["text"]), int(bool(r["checkworthy"])), gi)
        for gi, name in enumerate(dev_names)
        for r in sp[name]
    ]
    if max_rows > 0:
        train = train[:max_rows]
        dev = [
            d
            for gi in range(len(dev_names))
            for d in [x for x in dev if x[2] == gi][: max_rows // len(dev_names)]
        ]
    ids, lens = _table(tok, [t for t, _ in train], max_len)
    np.savez_compressed(
        out / "train.npz", ids=ids, lens=lens, labels=np.array([y for _, y in train])
    )
    ids, lens = _table(tok, [t for t, _, _ in dev], max_len)
    np.savez_compressed(
        out / "dev.npz",
        ids=ids,
        lens=lens,
        labels=np.array([y for _, y, _ in dev]),
        group=np.array([g for _, _, g in dev]),
    )
    cfg = json.loads((base / "config.json").read_text(encoding="utf-8"))
    meta = {
        "base_model": cfg.get("_name_or_path") or base.name,
        "base_model_type": cfg.get("model_type"),
        "base_config_sha256": sha256_file(base / "config.json"),
        "max_len": max_len,
        "dev_names": dev_names,
        "train_rows": len(train),
        "train_labels": np.bincount([y for _, y in train], minlength=2).tolist(),
        "dev_rows": len(dev),
        "inputs_sha256": {
            n: sha256_file(data_root / "checkworthiness" / f"{n}.jsonl")
            for n in (*cw_data.TRAIN, *cw_data.DEV[:2], "ct24-en.devtest")
        },
    }
    write_json(out / "meta.json", meta)
    return meta


# ---- there: training, export, dev table ---------------------------------------------------


def best_threshold(prob: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(threshold, F1) of the best F1 on a 0.05..0.95 grid."""
    best = (0.5, -1.0)
    for t in np.round(np.linspace(0.05, 0.95, 91), 2):
        pred = prob >= t
        tp, fp, fn = (pred & (y == 1)).sum(), (pred & (y == 0)).sum(), (~pred & (y == 1)).sum()
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best[1]:
            best = (float(t), float(f1))
    return best


def dev_table(prob: np.ndarray, dev: dict[str, np.ndarray], names: list[str]) -> dict[str, Any]:
    """Threshold on the pooled :data:`THRESHOLD_FILES`; P/R/F1 at it and AP per dev file."""
    y, g = dev["labels"], dev["group"]
    pick = np.isin(g, [names.index(n) for n in THRESHOLD_FILES if n in names])
    thr, pooled_f1 = best_threshold(prob[pick], y[pick])
    files: dict[str, Any] = {}
    for gi, name in enumerate(names):
        m = g == gi
        pred, yy = prob[m] >= thr, y[m] == 1
        tp, fp, fn = int((pred & yy).sum()), int((pred & ~yy).sum()), int((~pred & yy).sum())
        order = np.argsort(-prob[m], kind="stable")
        hits = np.cumsum(yy[order])
        ap = float(np.sum(hits[yy[order]] / (np.flatnonzero(yy[order]) + 1)) / max(1, yy.sum()))
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        files[name] = {
            "n": int(m.sum()),
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r) if p + r else 0.0, 4),
            "average_precision": round(ap, 4),
        }
    return {"threshold": thr, "pooled_dev_f1": round(pooled_f1, 4), "files": files}


def _batches(lens: np.ndarray, bs: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of about equal length (sorted inside chunks of 50 batches)."""
    order = rng.permutation(len(lens))
    chunks = [order[i : i + bs * 50] for i in range(0, len(order), bs * 50)]
    out = []
    for c in chunks:
        c = c[np.argsort(lens[c], kind="stable")]
        out += [c[i : i + bs] for i in range(0, len(c), bs)]
    rng.shuffle(out)  # type: ignore[arg-type]
    return out


def _feed(t: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    width = max(1, int(t["lens"][idx].max()))
    ids = t["ids"][idx, :width].astype(np.int64)
    mask = (np.arange(width)[None, :] < t["lens"][idx, None]).astype(np.int64)
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}


def predict_torch(model: Any, t: dict[str, np.ndarray], device: Any, bs: int) -> np.ndarray:
    import torch

    model.eval()
    out = np.zeros(len(t["lens"]), dtype=np.float32)
    order = np.argsort(t["lens"], kind="stable")
    with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16):
        for s in range(0, len(order), bs):
            idx = order[s : s + bs]
            feed = {k: torch.from_numpy(v).to(device) for k, v in _feed(t, idx).items()}
            logits = model(**feed).float()
            out[idx] = torch.softmax(logits, -1)[:, 1].cpu().numpy()
    model.train()
    return out


def predict_onnx(path: Path, t: dict[str, np.ndarray], bs: int = 16) -> np.ndarray:
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = min(8, os.cpu_count() or 1)
    sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    out = np.zeros(len(t["lens"]), dtype=np.float32)
    order = np.argsort(t["lens"], kind="stable")
    for s in range(0, len(order), bs):
        idx = order[s : s + bs]
        z = sess.run(["logits"], _feed(t, idx))[0]
        e = np.exp(z - z.max(1, keepdims=True))
        out[idx] = (e / e.sum(1, keepdims=True))[:, 1]
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from training.cw_mpnet import build
    from training.export_onnx import export_fp32, quantize

    bundle, out, base = Path(args.bundle), Path(args.out), Path(args.base)
    out.mkdir(parents=True, exist_ok=True)
    LOG.append(out / "train.log")
    if not (base / "config.json").is_file():
        log(f"no base model at {base!s} ({CARRY_LIMIT}: it must already be on the machine)")
        raise SystemExit(f"no base model at {base} ({CARRY_LIMIT}: it must already be there)")
    if not (bundle / "meta.json").is_file():
        log(f"no {bundle}/meta.json: run prepare here and carry {bundle}")
        raise SystemExit(2)
    meta = json.loads((bundle / "meta.json").read_text(encoding="utf-8"))
    train = dict(np.load(bundle / "train.npz"))
    dev = dict(np.load(bundle / "dev.npz"))
    names: list[str] = meta["dev_names"]
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if device.type == "cuda":
        log(f"GPU {torch.cuda.get_device_name(0)}")
    torch.manual_seed(13)
    model, info = build(base, len(LABELS), args.dropout)
    log(f"{info} on {device}; train {len(train['lens'])}, dev {len(dev['lens'])}")
    model.embeddings.word_embeddings.weight.requires_grad_(False)  # frozen, as shipped
    model.to(device).train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    rng = np.random.default_rng(13)
    per_epoch = math.ceil(len(train["lens"]) / args.batch_size)
    steps = per_epoch * args.epochs if args.max_steps <= 0 else args.max_steps
    warm = max(1, int(0.06 * steps))
    y_all = torch.from_numpy(train["labels"].astype(np.int64))
    best: dict[str, Any] = {"score": -1.0}
    history = []
    step = 0
    stop_at = T0 + args.deadline_s - args.reserve_s
    for epoch in range(args.epochs):
        for idx in _batches(train["lens"], args.batch_size, rng):
            if step >= steps or time.time() > stop_at:
                break
            lr_f = min((step + 1) / warm, max(0.0, (steps - step) / max(1, steps - warm)))
            for gr in opt.param_groups:
                gr["lr"] = args.lr * lr_f
            feed = {k: torch.from_numpy(v).to(device) for k, v in _feed(train, idx).items()}
            with torch.autocast(device.type, dtype=torch.bfloat16):
                logits = model(**feed)
            loss = torch.nn.functional.cross_entropy(logits.float(), y_all[idx].to(device))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            step += 1
            if step % 200 == 0:
                log(f"step {step}/{steps} loss {loss.item():.4f}")
        table = dev_table(predict_torch(model, dev, device, args.eval_batch_size), dev, names)
        history.append({"epoch": epoch + 1, "step": step, **table})
        log(f"epoch {epoch + 1}: pooled dev F1 {table['pooled_dev_f1']} at {table['threshold']}")
        if table["pooled_dev_f1"] > best["score"]:
            state = {k: v.detach().float().cpu().clone() for k, v in model.state_dict().items()}
            best = {"score": table["pooled_dev_f1"], "epoch": epoch + 1, "state": state}
        if step >= steps or time.time() > stop_at:
            break
    model.load_state_dict(best["state"])
    run_dir = Path(args.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    model = model.float().cpu().eval()
    export_fp32(model, run_dir / "model.fp32.onnx")  # type: ignore[arg-type]
    quantize(run_dir / "model.fp32.onnx", run_dir / "model.onnx")
    (run_dir / "model.fp32.onnx").unlink(missing_ok=True)
    log("exported int8 ONNX")
    int8 = dev_table(predict_onnx(run_dir / "model.onnx", dev), dev, names)
    data = (run_dir / "model.onnx").read_bytes()
    parts = []
    for i in range(math.ceil(len(data) / PART_BYTES)):
        (out / f"model.onnx.part{i}").write_bytes(data[i * PART_BYTES : (i + 1) * PART_BYTES])
        parts.append(f"model.onnx.part{i}")
    shutil.copy(bundle / "tokenizer.json", out / "tokenizer.json")
    write_json(
        out / "config.json",
        {
            "task": "checkworthiness",
            "labels": LABELS,
            "max_len": meta["max_len"],
            "inputs": ["input_ids", "attention_mask", "token_type_ids"],
            "output": "logits",
            "pair_input": False,
            "base_model": meta["base_model"],
            "quantization": "onnxruntime dynamic int8 (QInt8 per-channel weights)",
            "best_epoch": best["epoch"],
            "threshold": int8["threshold"],
            "temperature": 1.0,
            "model_sha256": sha256_file(run_dir / "model.onnx"),
        },
    )
    manifest = {
        "bundle_meta": meta,
        "model": info,
        "device": str(device),
        "steps": step,
        "history": history,
        "dev_table_int8": int8,
        "parts": {p: sha256_file(out / p) for p in parts},
        "seconds": round(time.time() - T0, 1),
    }
    write_json(out / "dev_table.json", int8)
    write_json(out / "manifest.json", manifest)
    log(f"int8 pooled dev F1 {int8['pooled_dev_f1']} at {int8['threshold']}; {parts}")
    return manifest


# ---- here: the returned files -> a model folder -------------------------------------------


def reassemble(src: Path, out: Path) -> Path:
    manifest = json.loads((src / "manifest.json").read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    with (out / "model.onnx").open("wb") as fh:
        for part, digest in manifest["parts"].items():
            if sha256_file(src / part) != digest:
                raise SystemExit(f"{src / part}: sha256 differs from the manifest")
            fh.write((src / part).read_bytes())
    cfg = json.loads((src / "config.json").read_text(encoding="utf-8"))
    if sha256_file(out / "model.onnx") != cfg["model_sha256"]:
        raise SystemExit("joined model.onnx: sha256 differs from config.json")
    for name in ("config.json", "tokenizer.json", "dev_table.json"):
        shutil.copy(src / name, out / name)
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m training.checkworthiness_gpu")
    sub = p.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("prepare", help="here: token tables, tokenizer, meta")
    q.add_argument("--base", type=Path, required=True, help="model folder (tokenizer.json)")
    q.add_argument("--out", type=Path, default=Path("var/cw-gpu-bundle"))
    q.add_argument("--data-root", type=Path, default=DEFAULT_DATA_ROOT)
    q.add_argument("--max-len", type=int, default=64)
    q.add_argument("--sample-frac", type=float, default=1.0)
    q.add_argument("--max-rows", type=int, default=0, help="> 0: a small bundle (tests)")
    r = sub.add_parser("run", help="there: train, export int8, dev table -> --out")
    r.add_argument("--bundle", default="var/cw-gpu-bundle")
    r.add_argument("--base", default=os.environ.get("CW_BASE", ""), help=CARRY_LIMIT)
    r.add_argument("--out", default=os.environ.get("OUT", "var/cw-gpu-out"))
    r.add_argument("--run-dir", default="var/cw-gpu-run")
    r.add_argument("--device", default="")
    r.add_argument("--epochs", type=int, default=3)
    r.add_argument("--max-steps", type=int, default=0)
    r.add_argument("--batch-size", type=int, default=32)
    r.add_argument("--eval-batch-size", type=int, default=256)
    r.add_argument("--lr", type=float, default=2e-5)
    r.add_argument("--dropout", type=float, default=0.1)
    r.add_argument("--deadline-s", type=float, default=480.0, help="from start, all included")
    r.add_argument("--reserve-s", type=float, default=120.0, help="kept for export + scoring")
    a = sub.add_parser("reassemble", help="here: returned parts -> model folder")
    a.add_argument("--from", dest="src", type=Path, required=True)
    a.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    if args.cmd == "prepare":
        meta = prepare(
            args.data_root,
            args.base,
            args.out,
            max_len=args.max_len,
            frac=args.sample_frac,
            max_rows=args.max_rows,
        )
        print(json.dumps({k: meta[k] for k in ("train_rows", "train_labels", "dev_rows")}))
    elif args.cmd == "run":
        run(args)
    else:
        print(reassemble(args.src, args.out))


if __name__ == "__main__":
    main()
