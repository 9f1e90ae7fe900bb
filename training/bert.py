"""A minimal BERT encoder (MiniLM-L6 shape) with a mean-pooled classification head.

Written against plain torch so the training machine needs no ``transformers``; parameter
names mirror the Hugging Face BertModel checkpoint so its weights load unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class BertShape:
    vocab_size: int = 30522
    hidden: int = 384
    layers: int = 6
    heads: int = 12
    intermediate: int = 1536
    max_positions: int = 512
    type_vocab: int = 2
    eps: float = 1e-12


class Embeddings(nn.Module):
    def __init__(self, s: BertShape, dropout: float) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(s.vocab_size, s.hidden, padding_idx=0)
        self.position_embeddings = nn.Embedding(s.max_positions, s.hidden)
        self.token_type_embeddings = nn.Embedding(s.type_vocab, s.hidden)
        self.LayerNorm = nn.LayerNorm(s.hidden, eps=s.eps)
        self.dropout = nn.Dropout(dropout)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
        x = (
            self.word_embeddings(input_ids)
            + self.position_embeddings(pos)
            + self.token_type_embeddings(token_type_ids)
        )
        return self.dropout(self.LayerNorm(x))


class SelfAttention(nn.Module):
    def __init__(self, s: BertShape) -> None:
        super().__init__()
        self.query = nn.Linear(s.hidden, s.hidden)
        self.key = nn.Linear(s.hidden, s.hidden)
        self.value = nn.Linear(s.hidden, s.hidden)


class AttentionOutput(nn.Module):
    def __init__(self, s: BertShape) -> None:
        super().__init__()
        self.dense = nn.Linear(s.hidden, s.hidden)
        self.LayerNorm = nn.LayerNorm(s.hidden, eps=s.eps)


class Attention(nn.Module):
    def __init__(self, s: BertShape) -> None:
        super().__init__()
        self.self = SelfAttention(s)
        self.output = AttentionOutput(s)


class Intermediate(nn.Module):
    def __init__(self, s: BertShape) -> None:
        super().__init__()
        self.dense = nn.Linear(s.hidden, s.intermediate)


class Output(nn.Module):
    def __init__(self, s: BertShape) -> None:
        super().__init__()
        self.dense = nn.Linear(s.intermediate, s.hidden)
        self.LayerNorm = nn.LayerNorm(s.hidden, eps=s.eps)


class Layer(nn.Module):
    def __init__(self, s: BertShape, dropout: float) -> None:
        super().__init__()
        self.attention = Attention(s)
        self.intermediate = Intermediate(s)
        self.output = Output(s)
        self.heads = s.heads
        self.dropout = nn.Dropout(dropout)
        self.p_attn = dropout

    def forward(self, x: torch.Tensor, bias: torch.Tensor, explicit: bool) -> torch.Tensor:
        b, t, h = x.shape
        d = h // self.heads
        sa = self.attention.self

        def split(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, self.heads, d).transpose(1, 2)

        q, k, v = split(sa.query(x)), split(sa.key(x)), split(sa.value(x))
        if explicit:  # ONNX-friendly path
            scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) + bias
            ctx = torch.matmul(torch.softmax(scores, dim=-1), v)
        else:
            ctx = F.scaled_dot_product_attention(
                q, k, v, attn_mask=bias.to(q.dtype), dropout_p=self.p_attn if self.training else 0.0
            )
        ctx = ctx.transpose(1, 2).reshape(b, t, h)
        ao = self.attention.output
        x = ao.LayerNorm(x + self.dropout(ao.dense(ctx)))
        ff = self.output.dense(F.gelu(self.intermediate.dense(x)))
        return self.output.LayerNorm(x + self.dropout(ff))


class Encoder(nn.Module):
    def __init__(self, s: BertShape, dropout: float) -> None:
        super().__init__()
        self.layer = nn.ModuleList([Layer(s, dropout) for _ in range(s.layers)])


def mean_pooled(
    embeddings: Embeddings,
    encoder: Encoder,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    token_type_ids: torch.Tensor,
    *,
    explicit_attention: bool,
) -> torch.Tensor:
    """The encoder's last layer averaged over the real (unmasked) tokens of each row."""
    x = embeddings(input_ids, token_type_ids)
    m = attention_mask.to(x.dtype)
    bias = ((1.0 - m) * -1e4)[:, None, None, :]
    for layer in encoder.layer:
        x = layer(x, bias, explicit_attention)
    # a row of padding only has a zero sum: any positive floor gives it 0
    return (x * m.unsqueeze(-1)).sum(1) / m.sum(1, keepdim=True).clamp(min=1.0)


class PooledEncoder(nn.Module):
    """BERT embeddings and encoder, read out by masked mean pooling (:func:`mean_pooled`);
    the heads put their own layers on top of that (:meth:`read_out`)."""

    def __init__(self, dropout: float, shape: BertShape | None = None) -> None:
        super().__init__()
        self.shape = shape or BertShape()
        self.embeddings = Embeddings(self.shape, dropout)
        self.encoder = Encoder(self.shape, dropout)
        self.explicit_attention = False

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor,
    ) -> torch.Tensor:
        pooled = mean_pooled(
            self.embeddings,
            self.encoder,
            input_ids,
            attention_mask,
            token_type_ids,
            explicit_attention=self.explicit_attention,
        )
        return self.read_out(pooled)

    def read_out(self, pooled: torch.Tensor) -> torch.Tensor:
        """The head's output from the pooled rows (each subclass defines its own)."""
        raise NotImplementedError


class CrossEncoder(PooledEncoder):
    """BERT encoder -> masked mean pooling -> dropout -> linear head."""

    def __init__(self, n_labels: int, dropout: float = 0.1, shape: BertShape | None = None):
        super().__init__(dropout, shape)
        self.head_dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(self.shape.hidden, n_labels)
        nn.init.normal_(self.classifier.weight, std=0.02)
        nn.init.zeros_(self.classifier.bias)

    def read_out(self, pooled: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.head_dropout(pooled))


def load_base(model: CrossEncoder, weights: dict[str, np.ndarray]) -> list[str]:
    """Load HF BertModel weights (fp16/fp32 numpy); returns keys of the model left unset."""
    own = model.state_dict()
    state = {}
    for k, v in weights.items():
        key = k[5:] if k.startswith("bert.") else k
        if key in own:
            state[key] = torch.from_numpy(np.asarray(v, dtype=np.float32))
    missing = [k for k in own if k not in state]
    model.load_state_dict(state, strict=False)
    return missing


def load_trainable(model: CrossEncoder, weights: Path, prefix: str) -> list[str]:
    """Load ``<prefix>.part*.npz`` (fp16 from ``train`` or float32 from ``from_onnx``) over
    a model that already holds the base weights; only the frozen word embeddings may be
    absent. Returns the part files read."""
    parts = sorted(weights.glob(f"{prefix}.part*.npz"))
    tuned: dict[str, torch.Tensor] = {}
    for part in parts:
        z = np.load(part)
        tuned.update({k: torch.from_numpy(z[k].astype(np.float32)) for k in z.files})
    if not tuned:
        raise FileNotFoundError(f"no {prefix}.part*.npz under {weights}")
    missing, unexpected = model.load_state_dict(tuned, strict=False)
    if unexpected or set(missing) - {"embeddings.word_embeddings.weight"}:
        raise RuntimeError(f"weights mismatch: missing={missing} unexpected={unexpected}")
    return [p.name for p in parts]
