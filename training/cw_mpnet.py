"""Encoders for the GPU check-worthiness recipe, in plain torch: BERT (MiniLM) or MPNet.

:func:`build` reads a Hugging Face model folder (``config.json`` + ``model.safetensors`` or
``pytorch_model.bin``) and returns a classifier with the forward signature of
:class:`training.bert.CrossEncoder` (``input_ids, attention_mask, token_type_ids -> logits``,
mean pooling over the real tokens, dropout, a linear head), so that
:func:`training.export_onnx.export_fp32` exports either. ``model_type`` ``bert`` gives
:class:`training.bert.CrossEncoder`; ``mpnet`` (all-mpnet-base-v2) gives :class:`MPNetClassifier`,
which follows Hugging Face's ``MPNetModel``: positions counted from the padding id,
no token types, one relative-position bias (32 buckets, shared by every layer).

Imports torch and numpy only (the lent GPU machine has no ``transformers`` and no package
index); :func:`read_safetensors` reads the format with numpy alone.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from training.bert import BertShape, CrossEncoder, load_base

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a ``.safetensors`` file as float32 / int numpy arrays (bf16 widened)."""
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + size])
    base = 8 + size
    out: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        buf = raw[base + start : base + end]
        if info["dtype"] == "BF16":
            arr = (np.frombuffer(buf, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(buf, dtype=_DTYPES[info["dtype"]])
        out[name] = arr.reshape(info["shape"]).copy()
    return out


def read_weights(base: Path) -> dict[str, np.ndarray]:
    st = base / "model.safetensors"
    if st.exists():
        return read_safetensors(st)
    state = torch.load(base / "pytorch_model.bin", map_location="cpu", weights_only=True)
    return {k: v.float().numpy() if v.is_floating_point() else v.numpy() for k, v in state.items()}


def relative_bucket(rel: torch.Tensor, buckets: int = 32, max_distance: int = 128) -> torch.Tensor:
    """MPNet's (T5's) bidirectional bucket of ``memory - context`` positions."""
    n = -rel
    half = buckets // 2
    ret = (n < 0).long() * half
    n = n.abs()
    exact = half // 2
    large = (
        exact
        + (
            torch.log(n.float().clamp(min=1) / exact)
            / math.log(max_distance / exact)
            * (half - exact)
        ).long()
    )
    large = torch.clamp(large, max=half - 1)
    return ret + torch.where(n < exact, n, large)


class MPNetEmbeddings(nn.Module):
    def __init__(self, cfg: dict[str, Any], dropout: float) -> None:
        super().__init__()
        self.pad = int(cfg.get("pad_token_id", 1))
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"], self.pad)
        self.position_embeddings = nn.Embedding(
            cfg["max_position_embeddings"], cfg["hidden_size"], self.pad
        )
        self.LayerNorm = nn.LayerNorm(cfg["hidden_size"], eps=cfg.get("layer_norm_eps", 1e-5))
        self.dropout = nn.Dropout(dropout)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        mask = input_ids.ne(self.pad).long()
        pos = torch.cumsum(mask, dim=1) * mask + self.pad
        x = self.word_embeddings(input_ids) + self.position_embeddings(pos)
        return self.dropout(self.LayerNorm(x))


class MPNetSelf(nn.Module):
    def __init__(self, h: int) -> None:
        super().__init__()
        self.q, self.k, self.v, self.o = (nn.Linear(h, h) for _ in range(4))


class MPNetAttention(nn.Module):
    def __init__(self, h: int, eps: float) -> None:
        super().__init__()
        self.attn = MPNetSelf(h)
        self.LayerNorm = nn.LayerNorm(h, eps=eps)


class _Dense(nn.Module):
    def __init__(self, a: int, b: int, eps: float | None = None) -> None:
        super().__init__()
        self.dense = nn.Linear(a, b)
        if eps is not None:
            self.LayerNorm = nn.LayerNorm(b, eps=eps)


class MPNetLayer(nn.Module):
    def __init__(self, cfg: dict[str, Any], dropout: float) -> None:
        super().__init__()
        h, eps = cfg["hidden_size"], cfg.get("layer_norm_eps", 1e-5)
        self.attention = MPNetAttention(h, eps)
        self.intermediate = _Dense(h, cfg["intermediate_size"])
        self.output = _Dense(cfg["intermediate_size"], h, eps)
        self.heads = cfg["num_attention_heads"]
        self.dropout = nn.Dropout(dropout)
        self.p_attn = dropout

    def forward(self, x: torch.Tensor, bias: torch.Tensor, explicit: bool) -> torch.Tensor:
        b, t, h = x.shape
        d = h // self.heads
        sa = self.attention.attn

        def split(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, self.heads, d).transpose(1, 2)

        q, k, v = split(sa.q(x)), split(sa.k(x)), split(sa.v(x))
        if explicit:
            scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) + bias
            ctx = torch.matmul(torch.softmax(scores, dim=-1), v)
        else:
            p = self.p_attn if self.training else 0.0
            ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=bias.to(q.dtype), dropout_p=p)
        ctx = ctx.transpose(1, 2).reshape(b, t, h)
        x = self.attention.LayerNorm(x + self.dropout(sa.o(ctx)))
        ff = self.output.dense(F.gelu(self.intermediate.dense(x)))
        return self.output.LayerNorm(x + self.dropout(ff))


class MPNetEncoder(nn.Module):
    def __init__(self, cfg: dict[str, Any], dropout: float) -> None:
        super().__init__()
        self.layer = nn.ModuleList(
            [MPNetLayer(cfg, dropout) for _ in range(cfg["num_hidden_layers"])]
        )
        self.buckets = int(cfg.get("relative_attention_num_buckets", 32))
        self.relative_attention_bias = nn.Embedding(self.buckets, cfg["num_attention_heads"])

    def position_bias(self, t: int, device: torch.device) -> torch.Tensor:
        pos = torch.arange(t, device=device)
        bucket = relative_bucket(pos[None, :] - pos[:, None], self.buckets)
        return self.relative_attention_bias(bucket).permute(2, 0, 1).unsqueeze(0)


class MPNetClassifier(nn.Module):
    """MPNet encoder -> masked mean pooling -> dropout -> linear head."""

    def __init__(self, cfg: dict[str, Any], n_labels: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.embeddings = MPNetEmbeddings(cfg, dropout)
        self.encoder = MPNetEncoder(cfg, dropout)
        self.head_dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(cfg["hidden_size"], n_labels)
        nn.init.normal_(self.classifier.weight, std=0.02)
        nn.init.zeros_(self.classifier.bias)
        self.explicit_attention = False

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        x = self.embeddings(input_ids)
        # MPNet has no token types; multiplied by 0 so the graph keeps the runtime's 3 inputs
        x = x + 0.0 * token_type_ids.unsqueeze(-1).to(x.dtype)
        m = attention_mask.to(x.dtype)
        bias = ((1.0 - m) * -1e4)[:, None, None, :] + self.encoder.position_bias(
            x.shape[1], x.device
        ).to(x.dtype)
        for layer in self.encoder.layer:
            x = layer(x, bias, self.explicit_attention)
        pooled = (x * m.unsqueeze(-1)).sum(1) / m.sum(1, keepdim=True).clamp(min=1.0)
        return self.classifier(self.head_dropout(pooled))


def load_mpnet(model: MPNetClassifier, weights: dict[str, np.ndarray]) -> list[str]:
    """Hugging Face MPNet weights (``mpnet.`` prefix optional); returns the keys left unset."""
    own = model.state_dict()
    state = {}
    for k, v in weights.items():
        key = k[6:] if k.startswith("mpnet.") else k
        if key in own:
            state[key] = torch.from_numpy(np.asarray(v, dtype=np.float32))
    model.load_state_dict(state, strict=False)
    return [k for k in own if k not in state]


def build(base: Path, n_labels: int, dropout: float) -> tuple[nn.Module, dict[str, Any]]:
    """The classifier for the model folder ``base`` with its pretrained weights loaded.

    Raises when an encoder weight is missing (only the new head may be)."""
    cfg = json.loads((base / "config.json").read_text(encoding="utf-8"))
    kind = cfg.get("model_type", "bert")
    weights = read_weights(base)
    model: nn.Module
    if kind == "mpnet":
        model = MPNetClassifier(cfg, n_labels, dropout)
        missing = load_mpnet(model, weights)
    elif kind == "bert":
        shape = BertShape(
            vocab_size=cfg["vocab_size"],
            hidden=cfg["hidden_size"],
            layers=cfg["num_hidden_layers"],
            heads=cfg["num_attention_heads"],
            intermediate=cfg["intermediate_size"],
            max_positions=cfg["max_position_embeddings"],
            type_vocab=cfg.get("type_vocab_size", 2),
            eps=cfg.get("layer_norm_eps", 1e-12),
        )
        model = CrossEncoder(n_labels, dropout, shape)
        missing = load_base(model, weights)
    else:
        raise SystemExit(f"{base}: model_type {kind!r} is neither bert nor mpnet")
    unset = [k for k in missing if not k.startswith("classifier.")]
    if unset:
        raise SystemExit(f"{base}: weights missing for {unset[:5]} ({len(unset)} in all)")
    return model, {
        "model_type": kind,
        **{k: cfg.get(k) for k in ("hidden_size", "num_hidden_layers")},
    }
