"""Learned check-worthiness classifier: MiniLM, int8 ONNX, CPU-only (onnxruntime).

Model files live in ``workers/models/checkworthiness`` (see its MODEL_CARD.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from workers.verification.onnx_runtime import OnnxClassifier

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "checkworthiness"


class OnnxCheckworthiness:
    """P(checkworthy) per sentence; ``threshold`` (tuned on ct24-en.dev) decides yes/no."""

    name = "onnx-checkworthiness"

    def __init__(
        self, model_dir: Path = DEFAULT_MODEL_DIR, *, threads: int = 2, batch_size: int = 32
    ) -> None:
        self._clf = OnnxClassifier(model_dir, threads=threads, batch_size=batch_size)
        self._pos = self._clf.labels.index("checkworthy")
        self.threshold = float(self._clf.config.get("threshold", 0.5))

    def score(self, texts: Sequence[str]) -> list[float]:
        """P(checkworthy) for each text, in order."""
        if not texts:
            return []
        probs = self._clf.probabilities(list(texts))
        return [float(p) for p in probs[:, self._pos].tolist()]

    def is_checkworthy(self, texts: Sequence[str]) -> list[bool]:
        return [p >= self.threshold for p in self.score(texts)]
