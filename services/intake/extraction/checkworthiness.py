"""Learned check-worthiness: sentence -> P(checkworthy), MiniLM int8 ONNX on the CPU.

Model files live in ``services/intake/extraction/models/checkworthiness`` (see its MODEL_CARD.md);
the generic runtime is :mod:`shared.onnx.classifier`. No torch, no transformers, and
nothing from ``workers/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

from shared.onnx.classifier import OnnxClassifier
from shared.text.words import normalize_text

DEFAULT_MODEL_DIR: Final = Path(__file__).resolve().parent / "models" / "checkworthiness"


class CheckworthinessModel:
    """P(checkworthy) per sentence; ``threshold`` (tuned on ct24-en.dev) decides yes/no.

    Texts are normalised the way the training data was (:func:`shared.text.words.normalize_text`).
    Safe to share across threads and to build before a fork (the session is per process).
    """

    name = "onnx-checkworthiness"

    def __init__(
        self,
        model_dir: Path = DEFAULT_MODEL_DIR,
        *,
        threads: int = 1,
        batch_size: int = 16,
        threshold: float | None = None,
    ) -> None:
        self._clf = OnnxClassifier(model_dir, threads=threads, batch_size=batch_size)
        self._pos = self._clf.labels.index("checkworthy")
        self.model_threshold = float(self._clf.config.get("threshold", 0.5))
        """The threshold chosen on ct24-en.dev when the model was trained."""
        self.threshold = self.model_threshold if threshold is None else float(threshold)

    def score(self, texts: Sequence[str]) -> list[float]:
        """P(checkworthy) for each text, in order."""
        if not texts:
            return []
        probs = self._clf.probabilities([normalize_text(t) for t in texts])
        return [min(1.0, max(0.0, float(p))) for p in probs[:, self._pos].tolist()]

    def is_checkworthy(self, texts: Sequence[str]) -> list[bool]:
        return [p >= self.threshold for p in self.score(texts)]
