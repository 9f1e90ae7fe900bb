"""Stance v3 on the GPU machine: what a run returns, and the run's clock.

The best weights as fp16 ``stance.part*.npz`` (< 15 MB each); the int8 ONNX export
(opset 17, dynamic per-channel quantization, as ``training.stance export`` does) split
into ``model.onnx.part<i>`` (< 15 MiB); the dev pairs scored through onnxruntime; the
per-file dev table, the fitted temperature and ``manifest.json``. ``T0`` and :func:`log`
time the whole run (the deadline counts from ``T0``). Apart from the training loop
(:mod:`training.stance_v3_gpu_train`), which writes weights with it at each improvement.
Same import rule as :mod:`training.stance_v3_gpu`: torch, numpy, onnx, onnxruntime and
training modules that need nothing else.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from training import config as C
from training.bert import CrossEncoder
from training.files import sha256_file, write_json, write_npz_parts
from training.pair_table import pad_batch
from training.scores import classification_report, fit_temperature
from training.stance_data import dev_report
from training.tokens import TokenSet

ONNX_PART_BYTES = 15 * 1024 * 1024
WEIGHT_CHUNK_MB = 15.0
T0 = time.time()


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} +{time.time() - T0:6.1f}s] {msg}", flush=True)


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
