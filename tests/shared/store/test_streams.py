from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from shared.settings_configs import verdict_reader
from shared.store.streams import GroupReader, StreamEntry, decode_entry, last_id, stream_id_ms
from tests.conftest import SettingsFactory


def _add(client: redis.Redis, stream: str, n: int, start: int = 0) -> list[str]:
    return [
        client.xadd(stream, {"type": "verdict", "data": json.dumps({"claim_id": f"c{i}"})})
        for i in range(start, start + n)
    ]


def _dead(client: redis.Redis, stream: str) -> list[dict[str, str]]:
    return [fields for _id, fields in client.xrange(stream)]


def test_decode_entry_and_malformed() -> None:
    entry = decode_entry("1-0", {"type": "verdict", "data": '{"claim_id": "c"}'})
    assert entry.type == "verdict" and entry.data == {"claim_id": "c"}
    for fields in (
        {"type": "verdict", "data": "{not json"},
        {"data": "{}"},
        {"type": "v", "data": "[]"},
    ):
        with pytest.raises(ValueError, match="malformed"):
            decode_entry("2-0", fields)
    assert stream_id_ms("1700000000123-4") == 1700000000123


def test_last_id(settings_factory: SettingsFactory, redis_client: redis.Redis) -> None:
    stream = settings_factory().verdict_stream
    assert last_id(redis_client, stream) == "0-0"
    ids = _add(redis_client, stream, 3)
    assert last_id(redis_client, stream) == ids[-1]


def test_acks_only_after_success_and_reads_its_pending_first_after_a_restart(
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

    assert reader.poll(failing) == 2
    assert seen == ids
    # the failed entry is still pending for this consumer; the others were acknowledged
    pending = redis_client.xpending_range(stream, "dash", "-", "+", 10)
    assert [p["message_id"] for p in pending] == [ids[1]]

    # "restart": a new reader with the same consumer name handles its pending entry first
    later = _add(redis_client, stream, 1, start=3)
    restarted = GroupReader(redis_client, stream, "dash", "c1", block_ms=100)
    handled: list[str] = []
    assert restarted.poll(lambda e: handled.append(e.stream_id)) == 1
    assert handled == [ids[1]]
    assert restarted.poll(lambda e: handled.append(e.stream_id)) == 1
    assert handled == [ids[1], *later]
    assert redis_client.xpending(stream, "dash")["pending"] == 0
    assert restarted.poll(lambda e: handled.append(e.stream_id)) == 0


def test_an_entry_failing_too_often_goes_to_the_dead_letter_stream(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory(stream_max_deliveries=3)
    stream, dead = settings.verdict_stream, settings.effective_dead_letter_stream
    assert dead == f"{stream}:dead"
    reader = verdict_reader(redis_client, settings, "dash", "c1", start_id="0")
    reader.retry_base_s = 0.0  # no back-off between tries here (tested below)
    poison, fine = _add(redis_client, stream, 2)
    attempts: Counter[str] = Counter()

    def handler(entry: StreamEntry) -> None:
        attempts[entry.stream_id] += 1
        if entry.stream_id == poison:
            raise ValueError("cannot render this verdict")

    for _ in range(6):
        reader.poll(handler)
    assert attempts == {poison: 3, fine: 1}
    assert redis_client.xpending(stream, "dash")["pending"] == 0
    [moved] = _dead(redis_client, dead)
    assert moved["stream_id"] == poison and moved["group"] == "dash"
    assert moved["type"] == "verdict" and json.loads(moved["data"]) == {"claim_id": "c0"}
    assert "delivered 4 times (max 3)" in moved["reason"]
    assert "ValueError: cannot render this verdict" in moved["reason"]


def test_a_failed_entry_is_retried_after_a_back_off_not_at_once(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory(stream_max_deliveries=3)
    reader = verdict_reader(redis_client, settings, "dash", "c1", start_id="0", block_ms=10)
    reader.retry_base_s = 1.0
    [entry_id] = _add(redis_client, settings.verdict_stream, 1)
    attempts: list[float] = []
    outage = True

    def handler(entry: StreamEntry) -> None:
        attempts.append(time.monotonic())
        if outage:
            raise ConnectionError("the dashboard's database is restarting")

    reader.poll(handler)
    while time.monotonic() < attempts[0] + 0.5:  # a tight loop, as `claimcheck watch` runs
        reader.poll(handler)
    assert len(attempts) == 1  # still waiting: no delivery used up by the tight loop
    outage = False
    time.sleep(max(0.0, attempts[0] + 1.05 - time.monotonic()))
    reader.poll(handler)
    assert len(attempts) == 2 and attempts[1] - attempts[0] >= 1.0
    assert redis_client.xpending(settings.verdict_stream, "dash")["pending"] == 0
    assert redis_client.xlen(settings.effective_dead_letter_stream) == 0
    assert entry_id


def test_a_malformed_entry_is_dead_lettered_at_once(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    elsewhere = f"{settings.key_prefix}:elsewhere:dead"
    settings = settings.model_copy(update={"dead_letter_stream": elsewhere})
    stream = settings.verdict_stream
    reader = verdict_reader(redis_client, settings, "dash", "c1", start_id="0")
    bad = redis_client.xadd(stream, {"type": "verdict", "data": "{oops"})
    handled: list[str] = []
    assert reader.poll(lambda e: handled.append(e.stream_id)) == 0
    [moved] = _dead(redis_client, elsewhere)
    assert moved["stream_id"] == bad and "malformed" in moved["reason"]
    assert handled == [] and redis_client.xpending(stream, "dash")["pending"] == 0


def test_two_consumers_share_a_group_and_distinct_groups_each_see_everything(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    stream = settings_factory().verdict_stream
    a = GroupReader(redis_client, stream, "shared", "a", start_id="0", block_ms=50, count=3)
    b = GroupReader(redis_client, stream, "shared", "b", start_id="0", block_ms=50, count=3)
    solo = GroupReader(redis_client, stream, "solo", "x", start_id="0", block_ms=50, count=100)
    ids = _add(redis_client, stream, 10)
    got: dict[str, list[str]] = {"a": [], "b": [], "solo": []}
    for _ in range(5):
        a.poll(lambda e: got["a"].append(e.stream_id))
        b.poll(lambda e: got["b"].append(e.stream_id))
    solo.poll(lambda e: got["solo"].append(e.stream_id))
    assert got["a"] and got["b"]
    assert sorted(got["a"] + got["b"]) == sorted(ids)
    assert got["solo"] == ids


# A consumer in its own process: it reads a batch, prints the first id, and hangs before
# acknowledging anything, until the test kills it with SIGKILL.
_VICTIM = """
import sys, time, redis
from shared.store.streams import GroupReader
url, stream, count, idle = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
client = redis.Redis.from_url(url, decode_responses=True)
reader = GroupReader(client, stream, "workers", sys.argv[5], start_id="0", block_ms=100,
                     count=count, claim_idle_ms=idle)
def hang(entry):
    print("got", entry.stream_id, flush=True)
    time.sleep(3600)
while True:
    reader.poll(hang)
"""


@pytest.fixture
def victims() -> Iterator[Any]:
    procs: list[subprocess.Popen[str]] = []

    def start_and_kill(url: str, stream: str, name: str, count: int = 3, idle: int = 200) -> str:
        proc = subprocess.Popen(
            [sys.executable, "-c", _VICTIM, url, stream, str(count), str(idle), name],
            stdout=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        assert proc.stdout is not None
        line = proc.stdout.readline()  # it has read the batch and is inside the handler
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(10) == -signal.SIGKILL
        assert line.startswith("got "), line
        return line.split()[1]

    yield start_and_kill
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def test_entries_of_a_consumer_killed_between_read_and_ack_are_claimed_by_another(
    settings_factory: SettingsFactory, redis_client: redis.Redis, redis_url: str, victims: Any
) -> None:
    settings = settings_factory(stream_claim_idle_ms=300)
    stream = settings.verdict_stream
    ids = _add(redis_client, stream, 5)
    assert victims(redis_url, stream, "victim", count=3) == ids[0]
    pending = redis_client.xpending_range(stream, "workers", "-", "+", 10)
    assert [(p["message_id"], p["consumer"]) for p in pending] == [(i, "victim") for i in ids[:3]]

    rescuer = verdict_reader(redis_client, settings, "workers", "rescuer", block_ms=100)
    handled: list[str] = []
    deadline = time.monotonic() + 10
    while len(handled) < 5 and time.monotonic() < deadline:
        rescuer.poll(lambda e: handled.append(e.stream_id))
    assert sorted(handled) == ids  # every entry handled exactly once
    assert redis_client.xpending(stream, "workers")["pending"] == 0
    assert redis_client.xlen(settings.effective_dead_letter_stream) == 0


def test_an_entry_that_keeps_killing_its_consumers_is_dead_lettered(
    settings_factory: SettingsFactory, redis_client: redis.Redis, redis_url: str, victims: Any
) -> None:
    settings = settings_factory(stream_claim_idle_ms=150, stream_max_deliveries=2)
    stream = settings.verdict_stream
    [poison] = _add(redis_client, stream, 1)
    assert victims(redis_url, stream, "first", count=1, idle=150) == poison
    time.sleep(0.2)
    assert victims(redis_url, stream, "second", count=1, idle=150) == poison  # claimed it
    time.sleep(0.2)
    rescuer = verdict_reader(redis_client, settings, "workers", "rescuer", block_ms=50)
    handled: list[str] = []
    rescuer.poll(lambda e: handled.append(e.stream_id))
    assert handled == []
    [moved] = _dead(redis_client, settings.effective_dead_letter_stream)
    assert moved["stream_id"] == poison
    assert "delivered 3 times (max 2)" in moved["reason"]
    assert "no acknowledgement" in moved["reason"]
    assert redis_client.xpending(stream, "workers")["pending"] == 0
