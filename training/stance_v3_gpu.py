"""Stance v3 training on the lent GPU machine (``bash training/gpu.sh``), CPU as fallback.

Reads the bundle ``training.stance_v3 prepare`` wrote; imports only torch, numpy, onnx,
onnxruntime (and safetensors for an embedded init) plus the training modules that need
nothing else, so it runs under a bare CUDA image's python.

1. Starts from the shipped int8 stance model: its weights recovered from
   ``workers/models/stance/model.onnx`` (:mod:`training.from_onnx`; the file's sha256 must
   be the bundle's), word embeddings included and frozen.
2. Scores the dev pairs (the initial model), then trains: bf16 autocast (CUDA and CPU), length-
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

The training is in :mod:`training.stance_v3_gpu_train`, the export and the scoring in
:mod:`training.stance_v3_gpu_export`; this module is the command that runs them in order.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from training import config as C
from training.files import sha256_file, write_json
from training.stance_data import dev_report
from training.stance_v3_gpu_export import (
    T0,
    export_int8,
    file_record,
    log,
    onnx_logits,
    print_table,
    split_file,
    write_outputs,
)
from training.stance_v3_gpu_train import build_model, init_params, load_bundle, train_loop
from training.trainer import predict


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
    p.add_argument("--no-bf16", action="store_true", help="fp32 (bf16 autocast by default)")
    p.add_argument("--threads", type=int, default=0, help="onnxruntime / CPU threads")
    p.add_argument("--no-onnx-eval", action="store_true", help="skip the int8 dev scores")
    p.add_argument("--seed", type=int, default=cfg.seed)
    args = p.parse_args(argv)
    if not args.out:
        p.error("--out (or $OUT) is required")
    return args


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


if __name__ == "__main__":
    main(sys.argv[1:])
