"""Text to token ids and back to disk: the base model's tokenizer, the ragged token arrays
``prepare`` writes and ``train`` reads (:class:`TokenSet`), and the tokenizer and base
weights as they travel with a prepared data set or a shipped model.

numpy at import time; ``tokenizers`` and ``safetensors`` only where text is tokenized or
weights exported (preparation, never on the training machine).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from training.files import base_model_dir, sha256_file

PAD_ID = 0


def load_tokenizer(max_len: int) -> Any:
    """The base model's fast tokenizer, truncating pairs longest-first, no padding."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base_model_dir() / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=max_len, strategy="longest_first")
    return tok


@dataclass
class TokenSet:
    """Ragged token sequences: ids concatenated (uint16), offsets, segment-A lengths."""

    ids: np.ndarray  # uint16 [total]
    offsets: np.ndarray  # int64 [n+1]
    len_a: np.ndarray  # int32 [n] tokens of segment A incl. [CLS] and first [SEP]
    labels: np.ndarray  # int64 [n]
    group: np.ndarray  # int32 [n] index into group_names (file / dataset of the row)
    group_names: list[str]

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            ids=self.ids,
            offsets=self.offsets,
            len_a=self.len_a,
            labels=self.labels,
            group=self.group,
            group_names=np.array(self.group_names),
        )

    @classmethod
    def load(cls, path: Path) -> TokenSet:
        z = np.load(path)
        return cls(
            ids=z["ids"],
            offsets=z["offsets"],
            len_a=z["len_a"],
            labels=z["labels"],
            group=z["group"],
            group_names=[str(x) for x in z["group_names"]],
        )

    def subset(self, idx: Sequence[int] | np.ndarray) -> TokenSet:
        idx = np.asarray(idx, dtype=np.int64)
        pieces = [self.ids[self.offsets[i] : self.offsets[i + 1]] for i in idx]
        lens = np.array([len(p) for p in pieces], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
        ids = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.uint16)
        return TokenSet(
            ids=ids.astype(np.uint16),
            offsets=offsets,
            len_a=self.len_a[idx],
            labels=self.labels[idx],
            group=self.group[idx],
            group_names=self.group_names,
        )


def tokenize(
    tok: Any,
    texts_a: Sequence[str],
    texts_b: Sequence[str] | None,
    labels: Iterable[int],
    groups: Iterable[int],
    group_names: list[str],
) -> TokenSet:
    if texts_b is None:
        encs = tok.encode_batch(list(texts_a))
    else:
        encs = tok.encode_batch(list(zip(texts_a, texts_b, strict=True)))
    seqs = [np.asarray(e.ids, dtype=np.uint16) for e in encs]
    len_a = np.array([int(sum(1 for t in e.type_ids if t == 0)) for e in encs], dtype=np.int32)
    lens = np.array([len(s) for s in seqs], dtype=np.int64)
    return TokenSet(
        ids=np.concatenate(seqs) if seqs else np.zeros(0, dtype=np.uint16),
        offsets=np.concatenate([[0], np.cumsum(lens)]).astype(np.int64),
        len_a=len_a,
        labels=np.fromiter(labels, dtype=np.int64),
        group=np.fromiter(groups, dtype=np.int32),
        group_names=group_names,
    )


def write_tokenizer(src: Path, dst: Path, max_len: int) -> None:
    """The base tokenizer as the runtime scorers read it: pairs truncated longest-first at
    ``max_len``, no padding (the scorer pads per batch)."""
    tok = json.loads(src.read_text(encoding="utf-8"))
    tok["truncation"] = {
        "direction": "Right",
        "max_length": max_len,
        "strategy": "LongestFirst",
        "stride": 0,
    }
    tok["padding"] = None
    dst.write_text(json.dumps(tok, ensure_ascii=False), encoding="utf-8")


def export_base_weights(out: Path) -> dict[str, Any]:
    """Base MiniLM weights as fp16 numpy arrays (small enough to travel to the GPU box)."""
    from safetensors.numpy import load_file

    src = base_model_dir() / "model.safetensors"
    weights = load_file(str(src))
    arrays = {k: v.astype(np.float16) for k, v in weights.items() if not k.endswith("position_ids")}
    np.savez(out, **arrays)  # type: ignore[arg-type]
    return {"file": str(src), "sha256": sha256_file(src)}
