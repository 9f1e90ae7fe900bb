from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from shared.onnx.session import ProcessLocalSession
from workers.sources.factchecks.embedding import DEFAULT_MODEL_DIR


def test_one_session_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    setups: list[Any] = []

    def setup(tok: Any) -> None:
        tok.enable_truncation(max_length=8)
        setups.append(tok)

    runtime = ProcessLocalSession(DEFAULT_MODEL_DIR, threads=1, setup_tokenizer=setup)
    session, tok = runtime.get()
    assert runtime.get() == (session, tok)
    assert setups == [tok]
    assert len(tok.encode("one two three four five six seven eight nine ten").ids) == 8
    assert session.get_session_options().intra_op_num_threads == 1

    parent = os.getpid()
    monkeypatch.setattr(os, "getpid", lambda: parent + 1)  # as seen from a forked child
    child_session, child_tok = runtime.get()
    assert child_session is not session and child_tok is not tok
    assert setups == [tok, child_tok]


def test_nothing_is_read_before_the_first_call(tmp_path: Path) -> None:
    runtime = ProcessLocalSession(tmp_path, threads=1, setup_tokenizer=lambda tok: None)
    with pytest.raises(Exception, match="No such file"):
        runtime.get()
