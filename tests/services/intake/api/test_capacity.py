"""Admission control against a real redis-server with a small ``maxmemory``.

A private server (never the shared one, whose settings must not change) on a free port.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from services.intake.api.capacity import MemoryGuard, is_out_of_memory
from shared.errors import OverCapacityError, StoreUnavailableError
from tests.e2e.redis_server import PrivateRedis


@pytest.fixture
def small_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path, appendonly=False, maxmemory="4mb")
    server.start()
    yield server
    server.close()


def test_guard_refuses_above_the_fraction_and_oom_is_recognised(small_redis: PrivateRedis) -> None:
    client = small_redis.client()
    guard = MemoryGuard(client, 0.5, interval_s=0.0)
    guard.check()  # an empty server is far below half of 4 MB
    used, limit = guard.usage()
    assert limit == 4 * 2**20 and 0 < used < limit / 2

    blob = "x" * 100_000
    n = 0
    with pytest.raises(redis.RedisError) as refused:
        while True:  # fill until Redis itself refuses a write
            client.set(f"fill:{n}", blob)
            n += 1
    assert is_out_of_memory(refused.value)
    wrapped = StoreUnavailableError("could not store records")
    wrapped.__cause__ = refused.value
    assert is_out_of_memory(wrapped)
    assert not is_out_of_memory(StoreUnavailableError("connection refused"))

    with pytest.raises(OverCapacityError) as over:
        guard.check()
    assert over.value.retry_after is not None and over.value.retry_after >= 1
    client.delete(*[f"fill:{i}" for i in range(n)])
    guard.check()  # room again


def test_guard_caches_the_reading_and_ignores_servers_without_a_limit(
    small_redis: PrivateRedis,
) -> None:
    client = small_redis.client()
    client.config_set("maxmemory", 0)  # the private server only
    now = [0.0]
    guard = MemoryGuard(client, 0.1, interval_s=10.0, clock=lambda: now[0])
    guard.check()
    assert guard.usage()[1] == 0
    client.config_set("maxmemory", 2 * 2**20)
    assert guard.usage()[1] == 0  # cached
    now[0] = 11.0
    assert guard.usage()[1] == 2 * 2**20


def test_guard_reports_an_unreachable_redis_as_unavailable(tmp_path: Path) -> None:
    server = PrivateRedis(tmp_path)
    server.start()
    client = server.client()
    server.stop()
    with pytest.raises(StoreUnavailableError):
        MemoryGuard(client, 0.9).check()
    server.close()
