"""The Redis client factory and the start-up durability warning, on a private redis-server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from shared.store.client import durability_warning
from tests.e2e.redis_server import PrivateRedis


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[Callable[[bool], redis.Redis]]:
    """Throw-away redis-servers on free ports (never the shared one), stopped afterwards."""
    servers: list[PrivateRedis] = []

    def make(appendonly: bool) -> redis.Redis:
        server = PrivateRedis(tmp_path / f"redis{len(servers)}", appendonly=appendonly)
        servers.append(server)
        server.directory.mkdir()
        server.start()
        return server.client()

    yield make
    for server in servers:
        server.close()


@pytest.mark.parametrize("appendonly", [False, True])
def test_warns_when_redis_keeps_no_append_only_file(
    private_redis: Callable[[bool], redis.Redis], appendonly: bool
) -> None:
    warning = durability_warning(private_redis(appendonly))
    if appendonly:
        assert warning is None
    else:
        assert warning is not None and "appendonly off" in warning and "everysec" in warning


def test_says_nothing_when_redis_refuses_config_get() -> None:
    unreachable = redis.Redis(
        host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0)
    )
    try:
        assert durability_warning(unreachable) is None
    finally:
        unreachable.close()
