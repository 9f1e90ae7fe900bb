"""Fixtures of the source tests: local HTTP servers and the HTTP client that calls them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from shared.settings import Settings
from tests.conftest import SettingsFactory
from tests.local_http import ServerFactory, http_server_factory
from workers.components import http_client_config
from workers.sources.http_client import make_http_client

__all__ = ["ServerFactory"]


@pytest.fixture
def http_server() -> Iterator[ServerFactory]:
    """Start real HTTP servers on 127.0.0.1 (``http_server(handler)``); stopped after."""
    yield from http_server_factory()


@pytest.fixture
def source_settings(settings_factory: SettingsFactory) -> Settings:
    return settings_factory()


@pytest.fixture
def http_client(source_settings: Settings) -> Iterator[httpx.Client]:
    client = make_http_client(http_client_config(source_settings))
    yield client
    client.close()
