"""Sentence pairs stored as two indices into one table of tokenized texts.

The stance v3 bundle travels to a lent GPU machine with a size limit, and its pairs
repeat texts a lot (one evidence sentence is the evidence of its own claim, of several
synthetic claims and a claim of its own). So each distinct text is tokenized once
(no special tokens) and a pair is ``(a, b)``; :meth:`PairTable.materialize` rebuilds the
``[CLS] a [SEP] b [SEP]`` sequences exactly as the fast tokenizer encodes the pair with
``longest_first`` truncation at ``max_len`` (:func:`pair_lengths`; ``prepare`` checks
the equality against the tokenizer itself). numpy only: this module runs on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.tokens import TokenSet

SPECIAL_TOKENS_IN_PAIR = 3  # [CLS] a [SEP] b [SEP]


def pair_lengths(
    len_a: np.ndarray, len_b: np.ndarray, max_len: int
) -> tuple[np.ndarray, np.ndarray]:
    """Tokens kept of each side under the tokenizers library's ``LongestFirst``
    truncation: with ``m = max_len - 3``, nothing is cut when both fit; else the shorter
    side (``n1``) stays and the longer gets ``max(n1, m - n1)``; when that is still too
    long both get ``m // 2`` (the longer one ``m // 2 + m % 2``; on a tie the second)."""
    la = np.asarray(len_a, dtype=np.int64)
    lb = np.asarray(len_b, dtype=np.int64)
    m = max_len - SPECIAL_TOKENS_IN_PAIR
    swap = la > lb
    n1 = np.where(swap, lb, la)  # the shorter
    n2 = np.where(n1 > m, n1, np.maximum(n1, m - n1))
    both = n1 + n2 > m
    n1 = np.where(both, m // 2, n1)
    n2 = np.where(both, m // 2 + m % 2, n2)
    keep_a = np.where(swap, n2, n1)
    keep_b = np.where(swap, n1, n2)
    fits = la + lb <= m
    return np.where(fits, la, np.minimum(la, keep_a)), np.where(fits, lb, np.minimum(lb, keep_b))


@dataclass
class PairTable:
    """Texts (token ids without special tokens, each cut to ``max_len - 3``; ``full_len``
    the count before the cut, which truncation needs) and pairs of text indices."""

    tok_ids: np.ndarray  # uint16 [total]
    tok_offsets: np.ndarray  # int64 [texts + 1]
    full_len: np.ndarray  # int32 [texts]
    a: np.ndarray  # int32 [pairs]
    b: np.ndarray  # int32 [pairs]
    labels: np.ndarray  # int8 [pairs]
    group: np.ndarray  # int16 [pairs]
    group_names: list[str]
    cls_id: int
    sep_id: int
    max_len: int

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @classmethod
    def from_tokens(
        cls,
        texts: list[list[int]],
        pairs: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        group_names: list[str],
        *,
        cls_id: int,
        sep_id: int,
        max_len: int,
    ) -> PairTable:
        cut = max_len - SPECIAL_TOKENS_IN_PAIR
        full = np.array([len(t) for t in texts], dtype=np.int32)
        kept = [t[:cut] for t in texts]
        lens = np.array([len(t) for t in kept], dtype=np.int64)
        if any(max(t, default=0) > np.iinfo(np.uint16).max for t in kept):
            raise ValueError("token id above uint16")
        a, b, labels, group = pairs
        return cls(
            tok_ids=np.fromiter((i for t in kept for i in t), dtype=np.uint16, count=lens.sum()),
            tok_offsets=np.concatenate([[0], np.cumsum(lens)]).astype(np.int64),
            full_len=full,
            a=np.asarray(a, dtype=np.int32),
            b=np.asarray(b, dtype=np.int32),
            labels=np.asarray(labels, dtype=np.int8),
            group=np.asarray(group, dtype=np.int16),
            group_names=list(group_names),
            cls_id=cls_id,
            sep_id=sep_id,
            max_len=max_len,
        )

    def save(self, path: Path) -> None:
        lens = np.diff(self.tok_offsets)
        np.savez_compressed(
            path,
            tok_ids=self.tok_ids,
            tok_len=lens.astype(np.uint8 if lens.max(initial=0) < 256 else np.uint16),
            full_len=self.full_len,
            a=self.a,
            b=self.b,
            labels=self.labels,
            group=self.group,
            group_names=np.array(self.group_names),
            special=np.array([self.cls_id, self.sep_id, self.max_len], dtype=np.int64),
        )

    @classmethod
    def load(cls, path: Path) -> PairTable:
        z = np.load(path)
        lens = z["tok_len"].astype(np.int64)
        cls_id, sep_id, max_len = (int(x) for x in z["special"])
        return cls(
            tok_ids=z["tok_ids"],
            tok_offsets=np.concatenate([[0], np.cumsum(lens)]).astype(np.int64),
            full_len=z["full_len"],
            a=z["a"],
            b=z["b"],
            labels=z["labels"],
            group=z["group"],
            group_names=[str(x) for x in z["group_names"]],
            cls_id=cls_id,
            sep_id=sep_id,
            max_len=max_len,
        )

    def materialize(self, idx: np.ndarray | None = None) -> TokenSet:
        """The pairs (all, or ``idx``) as the :class:`TokenSet` the trainer reads."""
        sel = np.arange(len(self)) if idx is None else np.asarray(idx, dtype=np.int64)
        a, b = self.a[sel].astype(np.int64), self.b[sel].astype(np.int64)
        n1, n2 = pair_lengths(self.full_len[a], self.full_len[b], self.max_len)
        lens = n1 + n2 + SPECIAL_TOKENS_IN_PAIR
        offsets = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
        ids = np.empty(int(offsets[-1]), dtype=np.uint16)
        starts = offsets[:-1]
        ids[starts] = self.cls_id
        ids[starts + 1 + n1] = self.sep_id
        ids[offsets[1:] - 1] = self.sep_id
        for first, count, src in ((starts + 1, n1, a), (starts + 2 + n1, n2, b)):
            total = int(count.sum())
            within = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
            ids[np.repeat(first, count) + within] = self.tok_ids[
                np.repeat(self.tok_offsets[src], count) + within
            ]
        return TokenSet(
            ids=ids,
            offsets=offsets,
            len_a=(n1 + 2).astype(np.int32),
            labels=self.labels[sel].astype(np.int64),
            group=self.group[sel].astype(np.int32),
            group_names=self.group_names,
        )


def pad_batch(ts: TokenSet, idx: np.ndarray, pad_id: int = 0) -> dict[str, np.ndarray]:
    """``input_ids`` / ``attention_mask`` / ``token_type_ids`` (int64, padded to the
    longest row) of rows ``idx``: the ONNX models' inputs."""
    lens = ts.offsets[idx + 1] - ts.offsets[idx]
    width = int(lens.max())
    ids = np.full((len(idx), width), pad_id, dtype=np.int64)
    for r, i in enumerate(idx):
        ids[r, : lens[r]] = ts.ids[ts.offsets[i] : ts.offsets[i + 1]]
    pos = np.arange(width)[None, :]
    mask = (pos < lens[:, None]).astype(np.int64)
    types = ((pos >= ts.len_a[idx][:, None]) & (mask == 1)).astype(np.int64)
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
