"""Shared plumbing of the ONNX scorers: config, tokenizer and a per-process session.

Needs ``onnxruntime``, ``tokenizers`` and ``numpy`` only (no torch, no transformers).
Sessions and tokenizers are created lazily and re-created after a fork, so an instance
built in a parent process is safe to use in forked workers; ``InferenceSession.run`` is
thread-safe, and the lazy creation is guarded by a lock.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from shared.onnx.session import ProcessLocalSession

FloatArray = npt.NDArray[np.float32]


class OnnxClassifier:
    """Batched logits of a (pair-)classification ONNX model with its tokenizer."""

    def __init__(self, model_dir: Path, *, threads: int = 2, batch_size: int = 32) -> None:
        self.model_dir = Path(model_dir)
        self.config: dict[str, Any] = json.loads(
            (self.model_dir / "config.json").read_text(encoding="utf-8")
        )
        self.labels: list[str] = list(self.config["labels"])
        self.max_len = int(self.config["max_len"])
        self.temperature = float(self.config.get("temperature", 1.0))
        bias = self.config.get("logit_bias") or [0.0] * len(self.labels)
        self.logit_bias: FloatArray = np.asarray(bias, dtype=np.float32)
        self.threads = threads
        self.batch_size = batch_size
        for name in ("model.onnx", "tokenizer.json"):
            if not (self.model_dir / name).is_file():
                raise FileNotFoundError(self.model_dir / name)
        self._runtime = ProcessLocalSession(
            self.model_dir, threads=threads, setup_tokenizer=self._setup_tokenizer
        )
        self._longer: dict[tuple[int, int], Any] = {}
        """(pid, max_len) -> a tokenizer truncating at another length (joined passages)."""
        self._longer_lock = threading.Lock()

    def _setup_tokenizer(self, tok: Any) -> None:
        _truncate_and_pad(tok, self.max_len)

    def _load(self) -> tuple[Any, Any]:
        return self._runtime.get()

    def _tokenizer(self, max_len: int | None) -> tuple[Any, Any]:
        """The session and a tokenizer truncating at ``max_len`` (default: the model's)."""
        session, tok = self._load()
        if max_len is None or max_len == self.max_len:
            return session, tok
        key = (os.getpid(), max_len)
        with self._longer_lock:
            if key not in self._longer:
                from tokenizers import Tokenizer

                longer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
                _truncate_and_pad(longer, max_len)
                self._longer[key] = longer
            return session, self._longer[key]

    def logits(
        self,
        texts: Sequence[str],
        pairs: Sequence[str] | None = None,
        *,
        max_len: int | None = None,
    ) -> FloatArray:
        """Raw logits, one row per input; ``pairs`` gives the second segment if any."""
        return self.outputs(texts, pairs, names=("logits",), max_len=max_len)[0]

    def outputs(
        self,
        texts: Sequence[str],
        pairs: Sequence[str] | None = None,
        *,
        names: Sequence[str] = ("logits",),
        max_len: int | None = None,
    ) -> list[FloatArray]:
        """The graph outputs ``names`` (float, one row per input), from one run per batch
        of inputs of about the same length; ``max_len`` truncates elsewhere than the
        model's ``max_len`` (tokens, longest segment first)."""
        n = len(texts)
        if n == 0:
            return [np.zeros((0, len(self.labels)), dtype=np.float32) for _ in names]
        session, tok = self._tokenizer(max_len)
        out: list[FloatArray] = []
        # sort by length so that each batch pads little
        order = sorted(range(n), key=lambda i: len(texts[i]) + (len(pairs[i]) if pairs else 0))
        for start in range(0, n, self.batch_size):
            idx = order[start : start + self.batch_size]
            if pairs is None:
                encs = tok.encode_batch([texts[i] for i in idx])
            else:
                encs = tok.encode_batch([(texts[i], pairs[i]) for i in idx])
            feeds = {
                "input_ids": np.array([e.ids for e in encs], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encs], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encs], dtype=np.int64),
            }
            results = session.run(list(names), feeds)
            if not out:
                out = [np.zeros((n, r.shape[1]), dtype=np.float32) for r in results]
            for buf, res in zip(out, results, strict=True):
                buf[idx] = res
        return out

    def probabilities(
        self,
        texts: Sequence[str],
        pairs: Sequence[str] | None = None,
        *,
        max_len: int | None = None,
    ) -> FloatArray:
        """Softmax of (logits + logit_bias) / temperature, both tuned on dev files."""
        z = (self.logits(texts, pairs, max_len=max_len) + self.logit_bias) / np.float32(
            self.temperature
        )
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        probs: FloatArray = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
        return probs


def _truncate_and_pad(tok: Any, max_len: int) -> None:
    """Pairs cut longest segment first at ``max_len`` tokens, batches padded to their longest."""
    tok.enable_truncation(max_length=max_len, strategy="longest_first")
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
