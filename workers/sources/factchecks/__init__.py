"""The fact-check archive: earlier fact-checks, matched to new claims however worded.

Modules: ``ratings`` (publishers' ratings -> verdict labels), ``formats`` (ClaimReview
JSON-LD, Google Fact Check Tools JSON, our JSONL -> :class:`formats.FactCheck`),
``archive`` (SQLite + FTS5 + stored embeddings), ``embedding`` (int8 ONNX MiniLM),
``matching`` (BM25 + embeddings, fused), ``source`` (the ``factchecks`` source),
``decision`` (when a strong match decides a verdict), ``evaluation`` (MAP@5, thresholds).
"""

SOURCE_NAME = "factchecks"
