"""The consumer-group helpers of :mod:`shared.store.streams`: a group made again after Redis lost
it, and leases kept on entries a consumer still works on."""

from __future__ import annotations

import json
import time

import pytest
import redis

from shared.store.streams import GroupReader, StreamEntry, ensure_group, keep_pending
from tests.conftest import SettingsFactory

pytestmark = pytest.mark.timeout(30)


def _add(client: redis.Redis, stream: str, claim: str) -> str:
    data = json.dumps({"claim_id": claim, "label": "supported"})
    return str(client.xadd(stream, {"type": "verdict", "data": data}))


def test_a_reader_makes_its_group_again_after_redis_lost_it(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    stream = settings_factory().verdict_stream
    reader = GroupReader(redis_client, stream, "g", "c", start_id="0", block_ms=10)
    seen: list[StreamEntry] = []
    _add(redis_client, stream, "clm_1")
    assert reader.poll(seen.append) == 1
    redis_client.delete(stream)  # a FLUSHALL, for this namespace
    _add(redis_client, stream, "clm_2")
    reader.poll(seen.append)  # NOGROUP: the group is made again
    reader.poll(seen.append)
    assert [e.data["claim_id"] for e in seen] == ["clm_1", "clm_2"]


def test_keep_pending_resets_the_idle_time_of_the_consumers_entries(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    stream = settings_factory().verdict_stream
    ensure_group(redis_client, stream, "g", "0")
    ensure_group(redis_client, stream, "g", "0")  # exists: nothing happens
    first = _add(redis_client, stream, "clm_1")
    redis_client.xreadgroup("g", "busy", {stream: ">"})
    deadline = time.monotonic() + 10
    while _idle_ms(redis_client, stream) < 200:  # the entry goes idle
        assert time.monotonic() < deadline
        time.sleep(0.01)
    keep_pending(redis_client, stream, "g", "busy", [first])
    assert _idle_ms(redis_client, stream) < 150
    taken = redis_client.xautoclaim(stream, "g", "thief", min_idle_time=150, start_id="0-0")
    assert taken[1] == []  # not idle any more: nobody takes it over
    (pending,) = redis_client.xpending_range(stream, "g", min="-", max="+", count=10)
    assert pending["consumer"] == "busy" and pending["times_delivered"] == 1


def _idle_ms(client: redis.Redis, stream: str) -> int:
    (pending,) = client.xpending_range(stream, "g", min="-", max="+", count=10)
    return int(pending["time_since_delivered"])
