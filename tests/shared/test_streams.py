from __future__ import annotations

import json

import pytest
import redis

from shared.streams import GroupReader, StreamEntry, decode_entry, last_id
from tests.conftest import SettingsFactory


def _add(client: redis.Redis, stream: str, n: int) -> list[str]:
    return [
        client.xadd(stream, {"type": "verdict", "data": json.dumps({"claim_id": f"c{i}"})})
        for i in range(n)
    ]


def test_decode_entry_and_malformed() -> None:
    entry = decode_entry("1-0", {"type": "verdict", "data": '{"claim_id": "c"}'})
    assert entry.type == "verdict" and entry.data == {"claim_id": "c"}
    with pytest.raises(ValueError, match="malformed"):
        decode_entry("2-0", {"type": "verdict", "data": "{not json"})
    with pytest.raises(ValueError, match="malformed"):
        decode_entry("3-0", {"data": "{}"})


def test_last_id(settings_factory: SettingsFactory, redis_client: redis.Redis) -> None:
    stream = settings_factory().verdict_stream
    assert last_id(redis_client, stream) == "0-0"
    ids = _add(redis_client, stream, 3)
    assert last_id(redis_client, stream) == ids[-1]


def test_group_reader_acks_only_after_success(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    stream = settings_factory().verdict_stream
    reader = GroupReader(redis_client, stream, "dash", "c1", start_id="0", block_ms=100)
    ids = _add(redis_client, stream, 3)
    seen: list[str] = []

    def failing(entry: StreamEntry) -> None:
        seen.append(entry.stream_id)
        if entry.stream_id == ids[1]:
            raise RuntimeError("dashboard crashed")

    with pytest.raises(RuntimeError):
        reader.poll(failing)
    # the first entry was acked, the second and third are still pending for this consumer
    assert redis_client.xpending(stream, "dash")["pending"] == 2

    # "restart": a new reader with the same consumer name handles its pending entries first
    restarted = GroupReader(redis_client, stream, "dash", "c1", block_ms=100)
    handled: list[str] = []
    assert restarted.poll(lambda e: handled.append(e.stream_id)) == 2
    assert handled == ids[1:]
    assert redis_client.xpending(stream, "dash")["pending"] == 0
    assert restarted.poll(lambda e: handled.append(e.stream_id)) == 0
    assert seen == ids[:2]
