"""Learned stance scorer: MiniLM cross-encoder, int8 ONNX, CPU-only (onnxruntime).

Model files live in ``workers/models/stance`` (see its MODEL_CARD.md). Imports neither
torch nor transformers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shared.onnx.classifier import OnnxClassifier
from shared.text.words import normalize_text
from workers.verification.stance import StanceScore

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "stance"


class OnnxStanceScorer:
    """Scores (claim, sentence) pairs with the fine-tuned cross-encoder.

    ``relevance`` is ``1 - P(not_enough_info)``: a sentence the model reads as neither
    supporting nor refuting the claim counts as not about it. With ``context_words``, the
    last that many words of a sentence's context (its document's title and the sentence
    before it) are read before it, so "it" and "the company" resolve.
    """

    name = "onnx-stance"

    def __init__(
        self,
        model_dir: Path = DEFAULT_MODEL_DIR,
        *,
        threads: int = 2,
        batch_size: int = 32,
        context_words: int = 0,
        passage_max_len: int = 256,
    ) -> None:
        self._clf = OnnxClassifier(model_dir, threads=threads, batch_size=batch_size)
        self.context_words = context_words
        self.passage_max_len = passage_max_len
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
        """Scores each sentence, read after the tail of its ``context`` (see the class)."""
        if not sentences:
            return []
        if context is not None and len(context) != len(sentences):
            raise ValueError("context must have one entry per sentence")
        texts = [normalize_text(t) for t in sentences]
        if context is not None and self.context_words > 0:
            texts = [
                _with_context(text, normalize_text(c), self.context_words)
                for text, c in zip(texts, context, strict=True)
            ]
        return self._scores(self._clf.probabilities([normalize_text(claim)] * len(texts), texts))

    def score_passage(self, claim: str, sentences: Sequence[str]) -> StanceScore:
        """The sentences joined into one passage, read at up to ``passage_max_len`` tokens:
        where evidence decides only together ("the vaccine was approved"; "the approval
        covers children")."""
        passage = " ".join(normalize_text(t) for t in sentences)
        probs = self._clf.probabilities(
            [normalize_text(claim)], [passage], max_len=self.passage_max_len
        )
        return self._scores(probs)[0]

    def _scores(self, probs: Any) -> list[StanceScore]:
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


def _with_context(sentence: str, context: str, words: int) -> str:
    """The last ``words`` words of ``context``, then the sentence."""
    tail = " ".join(context.split()[-words:])
    return f"{tail} {sentence}" if tail else sentence
