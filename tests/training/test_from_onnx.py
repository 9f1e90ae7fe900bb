"""Recovering float weights from a dynamically quantized ONNX graph (training/from_onnx.py).

The mapping is tested on a hand-built graph with numpy only (no onnx, no torch); the
round trip through a real export + ``quantize_dynamic`` needs the training venv and is
skipped elsewhere.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from training.from_onnx import Node, dequantize, map_initializers


def _per_channel(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Symmetric int8 per output column, as onnxruntime's QInt8 per-channel does."""
    scale = (np.abs(w).max(axis=0) / 127.0).astype(np.float32)
    q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
    return q, scale, np.zeros_like(q[0])


def _toy_graph() -> tuple[list[Node], dict[str, np.ndarray], dict[str, np.ndarray]]:
    rng = np.random.default_rng(0)
    dense_w = rng.normal(size=(3, 4)).astype(np.float32)  # torch layout [out, in]
    emb = rng.normal(size=(10, 4)).astype(np.float32)
    q, scale, zp = _per_channel(dense_w.T)  # ONNX MatMul weight is [in, out]
    emb_scale = np.float32((emb.max() - emb.min()) / 255)
    emb_zp = np.uint8(round(-emb.min() / emb_scale))
    emb_q = np.clip(np.round(emb / emb_scale) + emb_zp, 0, 255).astype(np.uint8)
    inits = {
        "onnx::MatMul_7_quantized": q,
        "onnx::MatMul_7_scale": scale,
        "onnx::MatMul_7_zero_point": zp,
        "layer.dense.bias": np.arange(3, dtype=np.float32),
        "layer.LayerNorm.weight": np.ones(3, dtype=np.float32),
        "emb.weight_quantized": emb_q,
        "emb.weight_scale": np.array(emb_scale),
        "emb.weight_zero_point": np.array(emb_zp),
    }
    nodes = [
        Node("Gather", ("emb.weight_quantized", "ids"), ("g_q",)),
        Node("DequantizeLinear", ("g_q", "emb.weight_scale", "emb.weight_zero_point"), ("x",)),
        Node("DynamicQuantizeLinear", ("x",), ("x_q", "x_s", "x_zp")),
        Node(
            "MatMulInteger",
            ("x_q", "onnx::MatMul_7_quantized", "x_zp", "onnx::MatMul_7_zero_point"),
            ("mm",),
        ),
        Node("Cast", ("mm",), ("mm_f",)),
        Node("Mul", ("x_s", "onnx::MatMul_7_scale"), ("s",)),
        Node("Mul", ("mm_f", "s"), ("y",)),
        Node("Add", ("layer.dense.bias", "y"), ("out",)),
        Node("LayerNormalization", ("out", "layer.LayerNorm.weight"), ("ln",)),
    ]
    return nodes, inits, {"layer.dense.weight": dense_w, "emb.weight": emb}


def test_dequantize_per_tensor_and_per_channel() -> None:
    q = np.array([[2, -4], [6, 8]], dtype=np.int8)
    per_tensor = dequantize(q, np.array(0.5), np.array(2))
    assert per_tensor.dtype == np.float32
    np.testing.assert_allclose(per_tensor, [[0.0, -3.0], [2.0, 3.0]])
    per_col = dequantize(q, np.array([1.0, 0.25]), np.array([0, 4]), axis=1)
    np.testing.assert_allclose(per_col, [[2.0, -2.0], [6.0, 1.0]])
    with pytest.raises(ValueError):
        dequantize(q, np.array([1.0, 2.0, 3.0]), np.zeros(3), axis=1)


def test_weights_are_named_by_the_bias_their_product_is_added_to() -> None:
    nodes, inits, truth = _toy_graph()
    params, log = map_initializers(nodes, inits)

    assert set(params) == {
        "layer.dense.weight",
        "layer.dense.bias",
        "layer.LayerNorm.weight",
        "emb.weight",
    }
    w = params["layer.dense.weight"]
    assert w.shape == (3, 4)  # back to torch's [out, in]
    step = inits["onnx::MatMul_7_scale"][:, None]
    assert np.all(np.abs(w - truth["layer.dense.weight"]) <= step / 2 + 1e-7)
    assert np.abs(params["emb.weight"] - truth["emb.weight"]).max() <= inits["emb.weight_scale"]
    src = {r["param"]: r["source"] for r in log}
    assert src["layer.dense.weight"] == "onnx::MatMul_7_quantized"


def test_a_quantized_initializer_outside_the_known_patterns_is_an_error() -> None:
    nodes, inits, _ = _toy_graph()
    inits["orphan_quantized"] = np.zeros((2, 2), dtype=np.int8)
    with pytest.raises(ValueError, match="orphan_quantized"):
        map_initializers(nodes, inits)


def test_round_trip_through_a_real_int8_export(tmp_path: Path) -> None:
    """A tiny CrossEncoder exported and quantized as the shipped model was comes back
    to within one quantization step, and re-quantizing the recovered weights gives the
    same int8 tensors."""
    torch = pytest.importorskip("torch", reason="needs the training venv (.venv-train)")
    pytest.importorskip("onnx", reason="needs the training venv (.venv-train)")
    pytest.importorskip("onnxruntime.quantization", reason="needs onnxruntime")
    from training.bert import BertShape, CrossEncoder
    from training.export_onnx import export_graph, quantize
    from training.from_onnx import read_onnx

    torch.manual_seed(0)
    shape = BertShape(vocab_size=60, hidden=16, layers=2, heads=2, intermediate=32)
    model = CrossEncoder(3, dropout=0.0, shape=shape).eval()
    with torch.no_grad():  # trained values: the exporter merges identical initializers
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    model.explicit_attention = True
    ids = torch.tensor([[1, 5, 7, 2, 9, 11, 2]])
    types = torch.tensor([[0, 0, 0, 0, 1, 1, 1]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export_graph(model, tmp_path / "fp32.onnx", ids, types, "logits")
        quantize(tmp_path / "fp32.onnx", tmp_path / "int8.onnx")
    nodes, inits = read_onnx(tmp_path / "int8.onnx")
    params, _ = map_initializers(nodes, inits)

    state = {k: v.numpy() for k, v in model.state_dict().items()}
    assert set(params) == set(state)
    for name, value in state.items():
        got = params[name]
        assert got.shape == value.shape, name
        tol = 0.51 * (np.abs(value).max() * 2 / 127 if value.ndim == 2 else 1e-6) + 1e-6
        assert np.abs(got - value).max() <= tol, name

    recovered = CrossEncoder(3, dropout=0.0, shape=shape).eval()
    recovered.load_state_dict({k: torch.from_numpy(v) for k, v in params.items()})
    recovered.explicit_attention = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export_graph(recovered, tmp_path / "re.fp32.onnx", ids, types, "logits")
        quantize(tmp_path / "re.fp32.onnx", tmp_path / "re.int8.onnx")
    _, again = read_onnx(tmp_path / "re.int8.onnx")
    for name, q in inits.items():
        if name.endswith("_quantized"):
            np.testing.assert_array_equal(again[name], q, err_msg=name)
