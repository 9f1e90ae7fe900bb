"""A live deliverer keeps what it works on; the consumer group survives Redis losing it."""

from __future__ import annotations

import time

import pytest

from services.delivery.deliverer import message_id
from tests.local_http import Reply, always, in_turn
from tests.services.delivery.conftest import Hooks, wait_for

pytestmark = pytest.mark.timeout(60)


def test_a_live_deliverers_entry_is_not_taken_over(hooks: Hooks) -> None:
    # each POST takes 2 s: four leases of 0.5 s
    server, _ = hooks.receiver(always(Reply(200, delay_s=2.0)))
    entry = hooks.publish()
    busy = hooks.deliverer(lease_s=0.5, timeout_s=5.0)
    other = hooks.deliverer(lease_s=0.5, timeout_s=5.0)
    with hooks.running(busy):
        wait_for(lambda: len(server.requests) == 1, 10, "the first deliverer's POST")
        deadline = time.monotonic() + 15
        while hooks.pending() and time.monotonic() < deadline:
            other.run_once(block_ms=50)  # it would take over an entry idle past the lease
    assert hooks.pending() == 0
    assert [r.headers["webhook-id"] for r in server.requests] == [message_id(entry)]


def test_a_live_deliverers_retry_is_not_taken_over(hooks: Hooks) -> None:
    server, _ = hooks.receiver(in_turn(Reply(503), Reply(200, delay_s=2.0)))
    entry = hooks.publish()
    config: dict[str, object] = {
        "lease_s": 0.5, "timeout_s": 5.0, "retry_base_s": 0.01, "retry_max_s": 0.01,
    }  # fmt: skip
    busy = hooks.deliverer(None, **config)
    other = hooks.deliverer(None, **config)
    with hooks.running(busy):
        wait_for(lambda: len(server.requests) == 2, 10, "the 503, then the retry's POST")
        deadline = time.monotonic() + 15
        while not hooks.store.already_sent(entry) and time.monotonic() < deadline:
            other.run_once(block_ms=50)  # it would take a retry whose lease ran out
    assert hooks.store.already_sent(entry) and hooks.store.pending_retries() == 0
    assert len(server.requests) == 2


def test_the_group_is_made_again_after_redis_lost_it(hooks: Hooks) -> None:
    server, _ = hooks.receiver(always(Reply(200)))
    hooks.publish("daily", "clm_before")
    deliverer = hooks.deliverer()
    with hooks.running(deliverer):
        wait_for(lambda: len(server.requests) == 1, 10, "the first entry")
        hooks.redis.delete(hooks.settings.verdict_stream)  # the stream and its group: gone
        hooks.publish("daily", "clm_after")
        wait_for(lambda: len(server.requests) == 2, 15, "the entry published after the loss")
    assert server.requests[1].json()["data"]["claim_id"] == "clm_after"


def test_run_once_makes_the_group_again_too(hooks: Hooks) -> None:
    server, _ = hooks.receiver(always(Reply(200)))
    deliverer = hooks.deliverer()
    hooks.redis.delete(hooks.settings.verdict_stream)
    hooks.publish()
    deliverer.run_once()
    deliverer.run_once()
    assert len(server.requests) == 1
