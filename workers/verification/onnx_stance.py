"""Learned stance scorer: MiniLM cross-encoder, int8 ONNX, CPU-only (onnxruntime).

Model files live in ``workers/models/stance`` (see its MODEL_CARD.md). Imports neither
torch nor transformers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from shared.onnx_classifier import OnnxClassifier
from shared.text import normalize_text
from workers.verification.stance import StanceScore

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "stance"


class OnnxStanceScorer:
    """Scores (claim, sentence) pairs with the fine-tuned cross-encoder.

    ``relevance`` is ``1 - P(not_enough_info)``: a sentence the model reads as neither
    supporting nor refuting the claim counts as not about it.
    """

    name = "onnx-stance"

    def __init__(
        self, model_dir: Path = DEFAULT_MODEL_DIR, *, threads: int = 2, batch_size: int = 32
    ) -> None:
        self._clf = OnnxClassifier(model_dir, threads=threads, batch_size=batch_size)
        labels = self._clf.labels
        self._i_sup = labels.index("supported")
        self._i_ref = labels.index("refuted")
        self._i_nei = labels.index("not_enough_info")

    @property
    def temperature(self) -> float:
        return self._clf.temperature

    def score(
        self, claim: str, sentences: Sequence[str], *, context: Sequence[str] | None = None
    ) -> list[StanceScore]:
        """Scores each sentence on its own; ``context`` is not used by this model."""
        if not sentences:
            return []
        claim = normalize_text(claim)
        probs = self._clf.probabilities(
            [claim] * len(sentences), [normalize_text(t) for t in sentences]
        )
        out = []
        for row in probs.tolist():
            sup, ref, nei = row[self._i_sup], row[self._i_ref], row[self._i_nei]
            out.append(StanceScore(supports=sup, refutes=ref, neutral=nei, relevance=1.0 - nei))
        return out

    def score_pairs(self, claims: Sequence[str], sentences: Sequence[str]) -> list[StanceScore]:
        """Like :meth:`score` for arbitrary (claim, sentence) pairs in one batch run."""
        if len(claims) != len(sentences):
            raise ValueError("claims and sentences differ in length")
        if not claims:
            return []
        probs = self._clf.probabilities(
            [normalize_text(c) for c in claims], [normalize_text(t) for t in sentences]
        )
        return [
            StanceScore(
                supports=r[self._i_sup],
                refutes=r[self._i_ref],
                neutral=r[self._i_nei],
                relevance=1.0 - r[self._i_nei],
            )
            for r in probs.tolist()
        ]
