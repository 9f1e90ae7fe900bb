"""The consumer-group helpers of :mod:`shared.store.streams`: a group made again after Redis lost
it, leases kept on entries a consumer still works on, and entries held in hand (fetched,
acknowledged or given back later, from any thread)."""

from __future__ import annotations

import json
import threading
import time

import pytest
import redis

from shared.settings_configs import verdict_reader
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


def test_an_entry_in_hand_is_acknowledged_later_and_its_lease_kept_meanwhile(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    stream = settings_factory().verdict_stream
    slow = GroupReader(redis_client, stream, "g", "slow", start_id="0", claim_idle_ms=150)
    other = GroupReader(redis_client, stream, "g", "other", claim_idle_ms=150, block_ms=10)
    first = _add(redis_client, stream, "clm_1")
    [entry] = slow.fetch(block_ms=10)
    assert entry.stream_id == first and slow.in_hand == {first}
    deadline = time.monotonic() + 0.6  # four leases
    while time.monotonic() < deadline:
        slow.keep_pending()
        assert slow.fetch(block_ms=10) == []  # in hand: not read again by its consumer
        assert other.fetch() == []  # nor claimed by another
        time.sleep(0.03)
    (pending,) = redis_client.xpending_range(stream, "g", min="-", max="+", count=10)
    assert pending["consumer"] == "slow" and pending["times_delivered"] == 1
    acking = threading.Thread(target=slow.ack, args=(first,))  # a lane, say
    acking.start()
    acking.join()
    assert slow.in_hand == frozenset() and redis_client.xpending(stream, "g")["pending"] == 0


def test_an_entry_claimed_back_while_in_hand_is_not_handed_out_twice(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    stream = settings_factory().verdict_stream
    reader = GroupReader(redis_client, stream, "g", "c", start_id="0", claim_idle_ms=50)
    first = _add(redis_client, stream, "clm_1")
    assert [e.stream_id for e in reader.fetch(block_ms=10)] == [first]
    time.sleep(0.1)  # no lease kept: its own XAUTOCLAIM takes it back
    assert reader.fetch(block_ms=10) == [] and reader.in_hand == {first}
    reader.ack(first)
    assert redis_client.xpending(stream, "g")["pending"] == 0


def test_failed_and_released_entries_are_read_again_once_none_is_in_hand(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory(stream_max_deliveries=2)
    stream = settings.verdict_stream
    reader = verdict_reader(redis_client, settings, "g", "c", start_id="0")
    reader.retry_base_s = 0.0
    a, b = _add(redis_client, stream, "clm_a"), _add(redis_client, stream, "clm_b")
    assert [e.stream_id for e in reader.fetch(block_ms=10)] == [a, b]
    reader.fail(a, "BoomError: the CMS is down")
    assert reader.fetch(block_ms=10) == []  # b is still in hand: a waits
    reader.release([b])
    assert [e.stream_id for e in reader.fetch(block_ms=10)] == [a, b]  # delivered twice each
    reader.fail(a, "BoomError: still down")
    reader.ack(b)
    assert reader.fetch(block_ms=10) == []  # a's third delivery: dead-lettered instead
    [(_id, moved)] = redis_client.xrange(settings.effective_dead_letter_stream)
    assert moved["stream_id"] == a and moved["consumer"] == "c"
    assert moved["reason"] == "delivered 3 times (max 2); last: BoomError: still down"
    assert redis_client.xpending(stream, "g")["pending"] == 0 and reader.in_hand == frozenset()
