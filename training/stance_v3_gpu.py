"""Stance v3 training on the lent GPU machine (``bash training/gpu.sh``), CPU as fallback.

Reads the bundle ``training.stance_v3 prepare`` wrote; imports only torch, numpy, onnx,
onnxruntime (and safetensors for an embedded init) plus the training modules that need
nothing else, so it runs under a bare CUDA image's python.

1. Starts from the shipped int8 stance model: its weights recovered from
   ``workers/models/stance/model.onnx`` (:mod:`training.from_onnx`; the file's sha256 must
   be the bundle's), word embeddings included and frozen.
2. Scores the dev pairs (the initial model), then trains: bf16 autocast on CUDA, length-
   bucketed dynamic padding, AdamW, cross-entropy on the 3-way labels and the partial-
   label loss -log(P(refuted) + P(not_enough_info)) on ``not_supported`` (binary files).
   The learning rate warms up and decays linearly over ``progress = max(step / steps,
   seconds / budget)``: the loop ends at whichever comes first, with a decayed rate, and
   never later than ``--deadline-s`` after the start minus ``--reserve-s`` for export.
   Dev score after each epoch (or ``--eval-every`` steps); the best trainable weights go
   to ``OUT`` as fp16 ``stance.part*.npz`` (< 15 MB each) at each improvement.
   A checkpoint (``--run-dir``) every ``--ckpt-every`` steps; ``--resume`` continues it.
3. Exports the best weights to int8 ONNX (opset 17, dynamic per-channel quantization,
   as ``training.stance export`` does), split into ``model.onnx.part<i>`` (< 15 MiB),
   scores the dev pairs with it and with the shipped model through onnxruntime, fits the
   temperature, and writes ``dev_table.json`` and ``manifest.json`` (sha256 of every file
   written, the inputs' sha256 from the bundle, timings, history) to ``OUT``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from training import config as C
from training.common import TokenSet, sha256_file, write_json, write_npz_parts
from training.metrics import classification_report, fit_temperature
from training.model import CrossEncoder
from training.pair_table import PairTable, pad_batch
from training.stance import dev_report
from training.trainer import collate, length_batches, predict

NOT_SUPPORTED = 3
WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"
ONNX_PART_BYTES = 15 * 1024 * 1024
WEIGHT_CHUNK_MB = 15.0
T0 = time.time()


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} +{time.time() - T0:6.1f}s] {msg}", flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    cfg = C.STANCE_V3
    p = argparse.ArgumentParser(prog="python -m training.stance_v3_gpu")
    p.add_argument("--bundle", default="var/gpu-bundle")
    p.add_argument("--out", default=os.environ.get("OUT"), help="returned files ($OUT)")
    p.add_argument("--run-dir", default="var/stance-v3-run", help="checkpoints, full ONNX")
    p.add_argument("--init-onnx", default="workers/models/stance/model.onnx")
    p.add_argument("--epochs", type=int, default=cfg.epochs)
    p.add_argument("--max-steps", type=int, default=0, help="0: epochs decide")
    p.add_argument("--budget-s", type=float, default=C.STANCE_V3_BUDGET_S, help="train loop")
    p.add_argument("--deadline-s", type=float, default=430.0, help="from start, all included")
    p.add_argument("--reserve-s", type=float, default=110.0, help="kept for export + eval")
    p.add_argument("--batch-size", type=int, default=cfg.batch_size)
    p.add_argument("--eval-batch-size", type=int, default=cfg.eval_batch_size)
    p.add_argument("--lr", type=float, default=cfg.lr)
    p.add_argument("--warmup-frac", type=float, default=cfg.warmup_frac)
    p.add_argument("--weight-decay", type=float, default=cfg.weight_decay)
    p.add_argument("--dropout", type=float, default=cfg.dropout)
    p.add_argument("--class-weights", choices=("none", "sqrt"), default="none")
    p.add_argument("--binary-weight", type=float, default=1.0, help="loss weight, label 3")
    p.add_argument("--eval-every", type=int, default=0, help="steps; 0: after each epoch")
    p.add_argument("--ckpt-every", type=int, default=1000, help="steps; 0: none")
    p.add_argument("--resume", action="store_true", help="continue --run-dir/ckpt.pt")
    p.add_argument("--stop-after", type=int, default=0, help="(tests) leave after N steps")
    p.add_argument("--log-every", type=int, default=100)
    p.add_argument("--device", choices=("auto", "cuda", "cpu"), default="auto")
    p.add_argument("--threads", type=int, default=0, help="onnxruntime / CPU threads")
    p.add_argument("--no-onnx-eval", action="store_true", help="skip the int8 dev scores")
    p.add_argument("--seed", type=int, default=cfg.seed)
    args = p.parse_args(argv)
    if not args.out:
        p.error("--out (or $OUT) is required")
    return args


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


# ---- evaluation ---------------------------------------------------------------------------


def onnx_logits(
    path: Path, ts: TokenSet, threads: int, bs: int = 64, stop_at: float = math.inf
) -> np.ndarray:
    """Logits of an ONNX model on ``ts`` through onnxruntime (CPU); TimeoutError when the
    clock passes ``stop_at``."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    lens = ts.offsets[1:] - ts.offsets[:-1]
    order = np.argsort(lens, kind="stable")
    out = np.zeros((len(ts), len(C.STANCE_LABELS)), dtype=np.float32)
    for s in range(0, len(order), bs):
        if time.time() > stop_at:
            raise TimeoutError(f"{path}: {s} of {len(order)} pairs scored by the deadline")
        idx = order[s : s + bs]
        out[idx] = sess.run(["logits"], pad_batch(ts, idx))[0]
    return out


def per_file(logits: np.ndarray, dev: TokenSet) -> dict[str, dict[str, float]]:
    pred = logits.argmax(axis=1)
    out = {}
    for gi, name in enumerate(dev.group_names):
        sel = dev.group == gi
        rep = classification_report(pred[sel], dev.labels[sel], C.STANCE_LABELS)
        if rep.get("n"):
            out[name] = {
                "n": rep["n"],
                "accuracy": round(rep["accuracy"], 4),
                "macro_f1": round(rep["macro_f1"], 4),
                "nei_f1": rep["per_class"]["not_enough_info"]["f1"],
                "refuted_f1": rep["per_class"]["refuted"]["f1"],
            }
    return out


def dev_table(columns: dict[str, np.ndarray], dev: TokenSet) -> dict[str, Any]:
    """Per dev file: accuracy and macro-F1 of each scored model; selection scores."""
    table: dict[str, Any] = {"columns": list(columns), "files": {}, "selection_score": {}}
    for col, logits in columns.items():
        table["selection_score"][col] = round(dev_report(logits, dev)[0], 4)
        for name, rep in per_file(logits, dev).items():
            table["files"].setdefault(name, {"n": rep["n"]})[col] = {
                k: v for k, v in rep.items() if k != "n"
            }
    return table


def print_table(table: dict[str, Any]) -> None:
    cols = table["columns"]
    head = f"{'dev file':24s} {'n':>5s} " + " ".join(f"{c:>22s}" for c in cols)
    log("dev accuracy / macro-F1 per file:")
    print(head)
    print(" " * 31 + " ".join(f"{'acc':>10s} {'mF1':>11s}" for _ in cols))
    for name, row in table["files"].items():
        cells = " ".join(
            f"{row[c]['accuracy']:>10.3f} {row[c]['macro_f1']:>11.3f}" if c in row else " " * 22
            for c in cols
        )
        print(f"{name:24s} {row['n']:5d} {cells}")
    sel = " ".join(f"{table['selection_score'][c]:>22.4f}" for c in cols)
    print(f"{'selection score':30s} {sel}", flush=True)


# ---- outputs ------------------------------------------------------------------------------


def file_record(path: Path) -> dict[str, Any]:
    return {"file": path.name, "sha256": sha256_file(path), "bytes": path.stat().st_size}


def write_weights(state: dict[str, torch.Tensor], out: Path) -> list[dict[str, Any]]:
    arrays = {k: v.numpy().astype(np.float16) for k, v in state.items()}
    names = write_npz_parts(arrays, out, "stance", WEIGHT_CHUNK_MB)
    return [file_record(out / n) for n in names]


def split_file(path: Path, out: Path, part_bytes: int = ONNX_PART_BYTES) -> list[dict[str, Any]]:
    data = path.read_bytes()
    parts = []
    for i in range(math.ceil(len(data) / part_bytes)):
        part = out / f"{path.name}.part{i}"
        part.write_bytes(data[i * part_bytes : (i + 1) * part_bytes])
        parts.append(file_record(part))
    return parts


def export_int8(model: CrossEncoder, run_dir: Path) -> Path:
    from training.export_onnx import export_fp32, quantize

    fp32 = run_dir / "model.fp32.onnx"
    int8 = run_dir / "model.onnx"
    model = model.float().cpu().eval()
    export_fp32(model, fp32)
    quantize(fp32, int8)
    fp32.unlink(missing_ok=True)
    return int8


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
    logits = predict(model, dev, args.eval_batch_size, device)
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
    autocast = device.type == "cuda"

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


def environment() -> dict[str, Any]:
    env: dict[str, Any] = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "cuda": torch.cuda.is_available(),
        "cpus": os.cpu_count(),
    }
    if torch.cuda.is_available():
        env["device_name"] = torch.cuda.get_device_name()
        env["cuda_version"] = torch.version.cuda
    for mod in ("onnx", "onnxruntime"):
        try:
            env[mod] = __import__(mod).__version__
        except ImportError as exc:
            env[mod] = f"missing: {exc}"
    return env


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    bundle, out, run_dir = Path(args.bundle), Path(args.out), Path(args.run_dir)
    out.mkdir(parents=True, exist_ok=True)
    run_dir.mkdir(parents=True, exist_ok=True)
    env = environment()
    log(f"stance v3: {env}")
    log(f"args {vars(args)}")
    threads = args.threads or os.cpu_count() or 2
    if args.device == "cpu" or not torch.cuda.is_available():
        if args.device == "cuda":
            raise SystemExit("--device cuda: CUDA is not available")
        device = torch.device("cpu")
        torch.set_num_threads(threads)
    else:
        device = torch.device("cuda")
        torch.backends.cuda.matmul.allow_tf32 = True
    torch.manual_seed(args.seed)
    meta, train, dev = load_bundle(bundle)
    log(f"bundle {bundle}: {meta['train']['pairs']} train pairs {meta['train']['label_counts']}")
    for rel, digest in meta["inputs_sha256"].items():
        log(f"  input sha256 {digest}  {rel}")
    params = init_params(meta, bundle, Path(args.init_onnx))
    model = build_model(params, args.dropout).to(device)
    log(f"model on {device}; initial weights from {args.init_onnx} ({meta['init']['sha256']})")
    manifest: dict[str, Any] = {
        "format": "stance-v3-run/1",
        "environment": env,
        "args": vars(args),
        "bundle_meta_sha256": sha256_file(bundle / "meta.json"),
        "inputs_sha256": meta["inputs_sha256"],
        "init_sha256": meta["init"]["sha256"],
        "max_len": meta["max_len"],
        "labels": meta["head_labels"],
        "train_label_counts": meta["train"]["label_counts"],
        "synthetic": meta["synthetic"].get("kinds"),
    }
    columns: dict[str, np.ndarray] = {}
    columns["init (torch)"] = predict(model, dev, args.eval_batch_size, device)
    log(f"initial model dev score {dev_report(columns['init (torch)'], dev)[0]:.4f}")
    run = train_loop(args, model, train, dev, device, out, run_dir)
    manifest["train"] = {
        "steps": run.step,
        "pairs": run.pairs,
        "seconds": round(run.train_s, 1),
        "pairs_per_s": round(run.pairs / max(1e-9, run.train_s), 1),
        "stopped_by": run.stopped_by,
    }
    manifest["history"] = run.history
    manifest["best"] = {"step": run.best_step, "epoch": run.best_epoch, "score": run.best_score}
    if run.stopped_by == "stop-after":
        write_json(out / "manifest.json", manifest)
        return manifest
    assert run.best_state is not None
    # the fp16 weights that come back are the model: export and score exactly those
    model.load_state_dict({k: v.half().float() for k, v in run.best_state.items()}, strict=False)
    columns["v3 (torch)"] = predict(model, dev, args.eval_batch_size, device)
    manifest["weights"] = [file_record(p) for p in sorted(out.glob("stance.part*.npz"))]
    write_outputs(manifest, columns, dev, out)  # a run killed from here on still reports
    try:
        int8 = export_int8(model, run_dir)
        manifest["onnx"] = {**file_record(int8), "parts": split_file(int8, out)}
        log(f"int8 ONNX {int8} ({int8.stat().st_size / 1e6:.1f} MB) split into {out}")
    except Exception as exc:  # the weights are back already; reassemble can export
        manifest["onnx"] = {"error": repr(exc)}
        log(f"ONNX export failed: {exc!r}")
    write_outputs(manifest, columns, dev, out)
    if not args.no_onnx_eval:
        stop_at = T0 + args.deadline_s
        scored = [("shipped (int8)", Path(args.init_onnx))]
        if "parts" in manifest["onnx"]:
            scored.insert(0, ("v3 (int8)", run_dir / "model.onnx"))
        for name, path in scored:
            try:
                te = time.time()
                columns[name] = onnx_logits(path, dev, threads, stop_at=stop_at)
                log(f"{name}: dev scored with onnxruntime in {time.time() - te:.0f}s")
            except Exception as exc:  # TimeoutError past the deadline, or anything else
                log(f"{name}: onnxruntime scoring skipped: {exc!r}")
        write_outputs(manifest, columns, dev, out)
    print_table(manifest["dev_table"])
    log(f"temperature {manifest['temperature']:.3f} ({manifest['temperature_from']})")
    log(f"done in {time.time() - T0:.0f}s; files in {out}: {sorted(os.listdir(out))}")
    return manifest


def write_outputs(
    manifest: dict[str, Any], columns: dict[str, np.ndarray], dev: TokenSet, out: Path
) -> None:
    """dev_table.json and manifest.json from what is known so far (rewritten as it grows);
    the temperature is fitted on the int8 v3 logits when there are, else on the torch ones."""
    src = "v3 (int8)" if "v3 (int8)" in columns else "v3 (torch)"
    manifest["temperature"] = fit_temperature(columns[src].astype(np.float64), dev.labels)
    manifest["temperature_from"] = src
    table = dev_table(columns, dev)
    table["temperature"] = manifest["temperature"]
    manifest["dev_table"] = table
    manifest["seconds"] = round(time.time() - T0, 1)
    write_json(out / "dev_table.json", table)
    write_json(out / "manifest.json", manifest)


if __name__ == "__main__":
    main(sys.argv[1:])
