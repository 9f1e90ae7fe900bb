"""An onnxruntime CPU session and its tokenizer, created per process on first use.

Used by the ONNX scorers (:class:`shared.onnx.classifier.OnnxClassifier`,
:class:`workers.sources.factchecks.embedding.OnnxEmbedder`). Creation is lazy and happens
again after a fork, so an instance built in a parent process is safe to use in forked
workers; the creation is guarded by a lock, and ``InferenceSession.run`` is thread-safe.
Needs ``onnxruntime`` and ``tokenizers`` only, imported on first use.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any


class ProcessLocalSession:
    """``model.onnx`` and ``tokenizer.json`` of a model directory, loaded once per process.

    ``setup_tokenizer`` configures the freshly loaded tokenizer (truncation, padding).
    """

    def __init__(
        self, model_dir: Path, *, threads: int, setup_tokenizer: Callable[[Any], None]
    ) -> None:
        self.model_dir = Path(model_dir)
        self.threads = threads
        self._setup_tokenizer = setup_tokenizer
        self._lock = threading.Lock()
        self._pid = -1
        self._session: Any = None
        self._tokenizer: Any = None

    def get(self) -> tuple[Any, Any]:
        """The session and tokenizer of this process, created on the first call."""
        pid = os.getpid()
        if self._pid == pid and self._session is not None:
            return self._session, self._tokenizer
        with self._lock:
            if self._pid != pid or self._session is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
                self._setup_tokenizer(tok)
                opts = ort.SessionOptions()
                opts.intra_op_num_threads = self.threads
                opts.inter_op_num_threads = 1
                opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                self._session = ort.InferenceSession(
                    str(self.model_dir / "model.onnx"),
                    sess_options=opts,
                    providers=["CPUExecutionProvider"],
                )
                self._tokenizer = tok
                self._pid = pid
        return self._session, self._tokenizer
