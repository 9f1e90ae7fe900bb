"""Fixtures of the CLI tests: real local HTTP servers standing in for an intake or a site."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.local_http import ServerFactory, http_server_factory


@pytest.fixture
def http_server() -> Iterator[ServerFactory]:
    yield from http_server_factory()
