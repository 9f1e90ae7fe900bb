"""Fixtures of the verification tests: local HTTP servers (for the LLM judge)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.local_http import ServerFactory, http_server_factory

__all__ = ["ServerFactory"]


@pytest.fixture
def http_server() -> Iterator[ServerFactory]:
    """Start real HTTP servers on 127.0.0.1 (``http_server(handler)``); stopped after."""
    yield from http_server_factory()
