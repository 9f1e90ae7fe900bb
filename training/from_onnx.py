"""Recover trainable float32 weights from a shipped int8 ONNX cross-encoder.

The stance model ships only as ``workers/models/stance/model.onnx`` (onnxruntime dynamic
quantization, int8 per-channel weights); its fp16 training weights are not kept. This
module reads that graph, dequantizes every quantized initializer and maps it back to the
parameter names of :class:`training.bert.CrossEncoder`, so that ``training.stance train
--init DIR`` can continue training from the shipped model instead of the base MiniLM.

Graph patterns handled (what ``torch.onnx.export`` + ``quantize_dynamic(per_channel=True)``
write for this model):

* ``Linear`` -> ``DynamicQuantizeLinear(x)`` -> ``MatMulInteger(x_q, W_q, x_zp, W_zp)`` ->
  ``Cast`` -> ``Mul(scale)`` -> ``Add(<module>.bias, .)``. The exporter dropped the weight's
  name (``onnx::MatMul_690_quantized``) but kept the bias's, so each weight is named by
  the bias its product is added to. ``W_q`` is ``[in, out]`` (int8, per-channel on axis 1,
  one scale / zero point per output); the torch weight is its transpose.
* ``Embedding`` -> ``Gather(<name>_quantized, ids)`` -> ``DequantizeLinear(scale, zp)``:
  per-tensor uint8, names kept.
* LayerNorm weights / biases and linear biases are float32 initializers with their names.

Commands::

    python -m training.from_onnx recover --model workers/models/stance \\
        --data .traindata --out artifacts/stance-v1-recovered
    # main .venv (no torch): probabilities of the shipped scorer on dev pairs
    python -m training.from_onnx onnx-probs --model workers/models/stance \\
        --out var/stance_onnx_probs.npz --n 200
    # training venv: the recovered torch model on the same pairs, compared
    python -m training.from_onnx compare --weights artifacts/stance-v1-recovered \\
        --data .traindata --probs var/stance_onnx_probs.npz

The exporter stores parameters with identical values (untrained LayerNorms) once; a
tensor lost that way is reported by :func:`check_complete`, never filled in silently.
``recover`` needs ``onnx`` and numpy only; the dequantization and name mapping below work
on plain (op_type, inputs, outputs) records so they can be tested without ``onnx``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from training.files import DEFAULT_DATA_ROOT, sha256_file, write_json, write_npz_parts

WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"
# ops allowed between MatMulInteger and the bias Add (rescaling of the int32 product)
_RESCALE_OPS = frozenset({"Cast", "Mul"})


@dataclass(frozen=True)
class Node:
    """The part of an ONNX node the mapping needs."""

    op_type: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    name: str = ""


def dequantize(
    q: np.ndarray, scale: np.ndarray, zero_point: np.ndarray, axis: int | None = None
) -> np.ndarray:
    """``(q - zero_point) * scale`` as float32; per-tensor, or per-channel along ``axis``."""
    qf = q.astype(np.float32)
    s = np.asarray(scale, dtype=np.float32)
    zp = np.asarray(zero_point).astype(np.float32)
    if s.ndim == 0 or s.size == 1:
        return (qf - zp.reshape(())) * s.reshape(())
    if axis is None:
        raise ValueError(f"per-channel scale of shape {s.shape} needs an axis")
    axis = axis % q.ndim
    if s.shape[0] != q.shape[axis] or zp.shape != s.shape:
        raise ValueError(f"scale {s.shape} / zero point {zp.shape} do not fit {q.shape}@{axis}")
    shape = [1] * q.ndim
    shape[axis] = -1
    return (qf - zp.reshape(shape)) * s.reshape(shape)


def _quant_params(base: str, inits: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    scale, zp = inits.get(f"{base}_scale"), inits.get(f"{base}_zero_point")
    if scale is None or zp is None:
        raise KeyError(f"no scale / zero point for quantized initializer {base}_quantized")
    return scale, zp


def _bias_of_product(
    start: str, consumers: dict[str, list[Node]], floats: dict[str, np.ndarray]
) -> str:
    """Follow a MatMulInteger output through Cast/Mul to the Add with a named bias."""
    frontier = [start]
    for _ in range(6):
        nxt: list[str] = []
        for tensor in frontier:
            for node in consumers.get(tensor, []):
                if node.op_type == "Add":
                    named = [i for i in node.inputs if i in floats and i.endswith(".bias")]
                    if len(named) != 1:
                        raise ValueError(f"Add {node.name or node.outputs} has no named bias")
                    return named[0]
                if node.op_type in _RESCALE_OPS:
                    nxt.extend(node.outputs)
        frontier = nxt
    raise ValueError(f"no bias Add found after MatMulInteger output {start}")


def map_initializers(  # noqa: C901 (a case per initializer kind)
    nodes: Sequence[Node], inits: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], list[dict[str, Any]]]:
    """Float32 torch-named parameters from a dynamically quantized graph.

    Returns the parameters and one record per recovered tensor (its ONNX source, how it
    was quantized), so the mapping can be audited.
    """
    consumers: dict[str, list[Node]] = defaultdict(list)
    for n in nodes:
        for i in n.inputs:
            consumers[i].append(n)
    quantized = {k for k in inits if k.endswith("_quantized")}
    floats = {
        k: v
        for k, v in inits.items()
        if v.dtype == np.float32 and not k.endswith(("_scale", "_zero_point")) and v.ndim >= 1
    }
    params: dict[str, np.ndarray] = {}
    log: list[dict[str, Any]] = []

    def put(name: str, value: np.ndarray, rec: dict[str, Any]) -> None:
        if name in params:
            raise ValueError(f"{name} recovered twice ({rec['source']})")
        params[name] = value.astype(np.float32)
        log.append({"param": name, "shape": list(value.shape), **rec})

    used: set[str] = set()
    for n in nodes:
        if n.op_type == "MatMulInteger":
            wq = n.inputs[1]
            if wq not in quantized:
                continue  # activation x activation (none in this model)
            base = wq.removesuffix("_quantized")
            scale, zp = _quant_params(base, inits)
            w = dequantize(inits[wq], scale, zp, axis=1 if np.asarray(scale).size > 1 else None)
            bias = _bias_of_product(n.outputs[0], consumers, floats)
            weight_name = bias.removesuffix(".bias") + ".weight"
            per = "per-channel" if np.asarray(scale).size > 1 else "per-tensor"
            put(weight_name, w.T.copy(), {"source": wq, "via": f"bias {bias}", "quant": per})
            used.add(wq)
        elif n.op_type == "Gather" and n.inputs[0] in quantized:
            wq = n.inputs[0]
            base = wq.removesuffix("_quantized")
            scale, zp = _quant_params(base, inits)
            if np.asarray(scale).size != 1:
                raise ValueError(f"per-channel Gather {wq} not expected")
            put(base, dequantize(inits[wq], scale, zp), {"source": wq, "quant": "per-tensor"})
            used.add(wq)
    for k in sorted(quantized - used):
        raise ValueError(f"quantized initializer {k} is used by no recognised pattern")
    for name, value in floats.items():
        if name.endswith((".weight", ".bias")):
            put(name, value, {"source": name, "quant": "float32"})
    return params, log


def read_onnx(path: Path) -> tuple[list[Node], dict[str, np.ndarray]]:
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    nodes = [Node(n.op_type, tuple(n.input), tuple(n.output), n.name) for n in model.graph.node]
    return nodes, inits


def expected_shapes(n_labels: int) -> dict[str, tuple[int, ...]]:
    """Parameter names and shapes of the torch :class:`CrossEncoder` the weights must fit."""
    from training.bert import CrossEncoder

    return {k: tuple(v.shape) for k, v in CrossEncoder(n_labels).state_dict().items()}


def check_complete(
    params: dict[str, np.ndarray], shapes: dict[str, tuple[int, ...]]
) -> dict[str, list[str]]:
    """Every parameter of the torch model recovered with its shape (word embeddings may be
    missing: they were frozen and come from the base weights)."""
    missing = sorted(k for k in shapes if k not in params and k != WORD_EMBEDDINGS)
    extra = sorted(k for k in params if k not in shapes)
    wrong = sorted(
        f"{k}: {params[k].shape} != {shapes[k]}"
        for k in shapes
        if k in params and tuple(params[k].shape) != shapes[k]
    )
    if missing or extra or wrong:
        raise ValueError(f"mapping incomplete: missing={missing} extra={extra} shape={wrong}")
    return {"missing": missing, "extra": extra, "wrong_shape": wrong}


def save_parts(
    params: dict[str, np.ndarray], out_dir: Path, prefix: str, chunk_mb: float = 15.0
) -> list[str]:
    """float32 ``<prefix>.part<i>.npz`` chunks, the layout ``train`` and ``export`` read."""
    return write_npz_parts(params, out_dir, prefix, chunk_mb)


def recover(
    model_dir: Path, out_dir: Path, *, task: str = "stance", base: Path | None = None
) -> dict[str, Any]:
    """Dequantize ``model_dir/model.onnx`` into ``out_dir/<task>.part*.npz``."""
    conf = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    nodes, inits = read_onnx(model_dir / "model.onnx")
    params, log = map_initializers(nodes, inits)
    check_complete(params, expected_shapes(len(conf["labels"])))
    report: dict[str, Any] = {"word_embeddings": "from the base weights (frozen in training)"}
    word = params.pop(WORD_EMBEDDINGS, None)
    if word is not None and base is not None and base.is_file():
        z = np.load(base)
        key = next(k for k in z.files if k.endswith("word_embeddings.weight"))
        diff = np.abs(word - z[key].astype(np.float32))
        scale = float(inits[f"{WORD_EMBEDDINGS}_scale"])
        report["word_embeddings_vs_base"] = {
            "max_abs_diff": float(diff.max()),
            "mean_abs_diff": float(diff.mean()),
            "half_quant_step": scale / 2,
        }
    names = save_parts(params, out_dir, task)
    src_metrics = model_dir / "training_metrics.json"
    meta: dict[str, Any] = {
        "task": task,
        "recovered_from": {
            "model": str(model_dir / "model.onnx"),
            "model_sha256": sha256_file(model_dir / "model.onnx"),
            "config": conf,
        },
        "weights": names,
        "dtype": "float32 (dequantized int8; word embeddings not included)",
        "tensors": log,
        **report,
    }
    if src_metrics.is_file():
        src = json.loads(src_metrics.read_text(encoding="utf-8"))
        meta["best_epoch"] = src.get("best_epoch")
        meta["source_training"] = {k: src.get(k) for k in ("config", "best_epoch", "seconds")}
    # export_task copies <task>.metrics.json next to the model; recovered weights have one too
    write_json(out_dir / f"{task}.metrics.json", meta)
    n = sum(int(v.size) for v in params.values())
    print(f"{task}: recovered {len(params)} tensors ({n / 1e6:.2f} M values) -> {out_dir}")
    if "word_embeddings_vs_base" in report:
        print(f"word embeddings vs base: {report['word_embeddings_vs_base']}")
    return meta


# ---- verification against the shipped scorer -------------------------------------------


def dev_pairs(rel: str, n: int, seed: int = 13) -> tuple[list[str], list[str], list[int]]:
    """``n`` fixed-seed (claim, evidence, gold) pairs of a dev file, texts as training sees them."""
    from training.stance_data import LABEL_ID, load_pairs

    rows = [r for r in load_pairs(DEFAULT_DATA_ROOT / rel) if r["_evidence"]]
    rows = random.Random(seed).sample(rows, min(n, len(rows)))
    return (
        [r["_claim"] for r in rows],
        [r["_evidence"] for r in rows],
        [LABEL_ID[r["label"]] for r in rows],
    )


def onnx_probs(model_dir: Path, rel: str, n: int, out: Path, threads: int = 2) -> None:
    """Probabilities of the shipped :class:`OnnxStanceScorer` (main venv, no torch)."""
    from workers.verification.onnx_stance import OnnxStanceScorer

    claims, evid, gold = dev_pairs(rel, n)
    scorer = OnnxStanceScorer(model_dir, threads=threads, batch_size=32)
    scores = scorer.score_pairs(claims, evid)
    probs = np.array([[s.supports, s.refutes, s.neutral] for s in scores], dtype=np.float32)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        out,
        probs=probs,
        claims=np.array(claims),
        evidence=np.array(evid),
        gold=np.array(gold),
        temperature=np.float32(scorer.temperature),
        source=np.array(rel),
    )
    print(f"wrote {out}: {len(claims)} pairs from {rel}, T={scorer.temperature}")


def compare(weights: Path, data: Path, probs_file: Path, model_dir: Path) -> dict[str, Any]:
    """The recovered torch model's probabilities vs the ONNX scorer's on the same pairs."""
    import torch

    from training import config as C
    from training.tokens import tokenize
    from training.trainer import build_model, predict

    z = np.load(probs_file)
    claims = [str(c) for c in z["claims"]]
    evid = [str(e) for e in z["evidence"]]
    ref = z["probs"].astype(np.float64)
    temp = float(z["temperature"])
    from tokenizers import Tokenizer

    from shared.text.words import normalize_text

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=C.STANCE.max_len, strategy="longest_first")
    # the scorer normalizes its inputs; do the same so the token ids are identical
    a = [normalize_text(c) for c in claims]
    b = [normalize_text(e) for e in evid]
    ts = tokenize(tok, a, b, [0] * len(a), [0] * len(a), ["pairs"])
    torch.set_num_threads(2)
    model = build_model(len(C.STANCE_LABELS), C.STANCE, data / "base_fp16.npz", init=weights)
    logits = predict(model, ts, 64, torch.device("cpu")).astype(np.float64)
    zt = logits / temp
    p = np.exp(zt - zt.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    agree = float((p.argmax(1) == ref.argmax(1)).mean())
    diff = np.abs(p - ref)
    gold = z["gold"]
    result = {
        "file": str(z["source"]),
        "pairs": len(claims),
        "temperature": temp,
        "argmax_agreement": agree,
        "max_abs_prob_diff": float(diff.max()),
        "mean_abs_prob_diff": float(diff.mean()),
        "p99_abs_prob_diff": float(np.quantile(diff.max(axis=1), 0.99)),
        "accuracy_torch": float((p.argmax(1) == gold).mean()),
        "accuracy_onnx": float((ref.argmax(1) == gold).mean()),
    }
    print(json.dumps(result, indent=2))
    return result


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m training.from_onnx")
    sub = p.add_subparsers(dest="cmd", required=True)
    pr = sub.add_parser("recover", help="int8 ONNX -> float32 <task>.part*.npz")
    pr.add_argument("--model", default="workers/models/stance")
    pr.add_argument("--data", default=".traindata", help="for base_fp16.npz (a check only)")
    pr.add_argument("--out", default="artifacts/stance-v1-recovered")
    pr.add_argument("--task", default="stance")
    po = sub.add_parser("onnx-probs", help="shipped scorer's probabilities on dev pairs")
    po.add_argument("--model", default="workers/models/stance")
    po.add_argument("--file", default="verification/fever-symmetric.dev.jsonl")
    po.add_argument("--n", type=int, default=200)
    po.add_argument("--out", default="var/stance_onnx_probs.npz")
    pc = sub.add_parser("compare", help="recovered torch model vs onnx-probs output")
    pc.add_argument("--weights", default="artifacts/stance-v1-recovered")
    pc.add_argument("--data", default=".traindata")
    pc.add_argument("--probs", default="var/stance_onnx_probs.npz")
    pc.add_argument("--model", default="workers/models/stance", help="for tokenizer.json")
    pc.add_argument("--out", default=None, help="write the comparison as JSON here")
    return p


def main(argv: Iterable[str] | None = None) -> None:
    args = _parser().parse_args(list(argv) if argv is not None else None)
    if args.cmd == "recover":
        recover(
            Path(args.model), Path(args.out), task=args.task, base=Path(args.data) / "base_fp16.npz"
        )
    elif args.cmd == "onnx-probs":
        onnx_probs(Path(args.model), args.file, args.n, Path(args.out))
    elif args.cmd == "compare":
        res = compare(Path(args.weights), Path(args.data), Path(args.probs), Path(args.model))
        if args.out:
            write_json(Path(args.out), res)


if __name__ == "__main__":
    main(sys.argv[1:])
