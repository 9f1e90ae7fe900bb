"""Sentence embeddings with the int8 ONNX MiniLM (onnxruntime and tokenizers; no torch).

The model directory (default ``workers/models/embedding``, see its MODEL_CARD.md) holds
``model.onnx`` (output ``embeddings``: mean-pooled, L2-normalised, 384 floats),
``tokenizer.json`` and ``config.json``. The session is created lazily and again after a
fork (:class:`shared.onnx.session.ProcessLocalSession`), so an instance built before a
worker forks is safe to use in the child.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from shared.onnx.session import ProcessLocalSession
from shared.text.words import normalize_text

FloatMatrix = npt.NDArray[np.float32]

DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "embedding"


class OnnxEmbedder:
    """Normalised sentence embeddings; thread-safe after the first call."""

    def __init__(self, model_dir: Path = DEFAULT_MODEL_DIR, *, threads: int = 2) -> None:
        self.model_dir = Path(model_dir)
        for name in ("model.onnx", "tokenizer.json", "config.json"):
            if not (self.model_dir / name).is_file():
                raise FileNotFoundError(self.model_dir / name)
        self.config: dict[str, Any] = json.loads(
            (self.model_dir / "config.json").read_text(encoding="utf-8")
        )
        self.dimension = int(self.config["dimension"])
        self.max_len = int(self.config["max_len"])
        self.model_id = str(self.config.get("model_sha256", "unknown"))[:16]
        """Identifies the model: stored with archive embeddings to notice a model change."""
        self.threads = threads
        self._runtime = ProcessLocalSession(
            self.model_dir, threads=threads, setup_tokenizer=self._setup_tokenizer
        )

    def _setup_tokenizer(self, tok: Any) -> None:
        tok.enable_truncation(max_length=self.max_len)
        tok.no_padding()

    def _load(self) -> tuple[Any, Any]:
        return self._runtime.get()

    def embed(self, texts: Sequence[str]) -> FloatMatrix:
        """One unit-length row per text.

        Texts are run one at a time: the int8 model quantizes activations dynamically over
        the whole input tensor, so in a padded batch a text's embedding would depend on its
        batch-mates (cosine 0.98 apart). One at a time it is deterministic, and on two cores
        no slower (no padding).
        """
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        session, tok = self._load()
        for i, encoding in enumerate(tok.encode_batch([normalize_text(t) for t in texts])):
            ids = np.array([encoding.ids], dtype=np.int64)
            feeds = {
                "input_ids": ids,
                "attention_mask": np.ones_like(ids),
                "token_type_ids": np.zeros_like(ids),
            }
            (vector,) = session.run(["embeddings"], feeds)
            out[i] = vector[0]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        normalised: FloatMatrix = (out / np.maximum(norms, 1e-12)).astype(np.float32)
        return normalised
