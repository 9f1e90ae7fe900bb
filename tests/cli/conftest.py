"""Fixtures of the CLI tests: real local HTTP servers standing in for an intake or a site,
and a knowledge base file of its own for the ``kb`` commands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.local_http import ServerFactory, http_server_factory


@pytest.fixture
def http_server() -> Iterator[ServerFactory]:
    yield from http_server_factory()


@pytest.fixture
def kb_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A knowledge base file in ``tmp_path``, the only source the CLI reads (from the
    environment, as a user would set it), with the lexical stance scorer."""
    path = tmp_path / "kb.sqlite3"
    monkeypatch.setenv("CLAIMCHECK_KB_PATH", str(path))
    monkeypatch.setenv("CLAIMCHECK_STANCE_SCORER", "lexical")  # no embedding model to load
    monkeypatch.setenv("CLAIMCHECK_SOURCES", '["knowledge_base"]')
    return path
