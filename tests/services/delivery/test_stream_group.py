"""The deliverer reads the stream through :class:`shared.store.streams.GroupReader`: an entry
that keeps killing its deliverers is dead-lettered, an entry that does not decode too, and
an entry whose delivery could not be recorded is read again (same ``Webhook-Id``) and
acknowledged only once it was."""

from __future__ import annotations

import json
import time

import pytest

from services.delivery.deliverer import GROUP, message_id
from shared.errors import StoreUnavailableError
from tests.local_http import Reply, always
from tests.services.delivery.conftest import Hooks

pytestmark = pytest.mark.timeout(60)


def _dead(hooks: Hooks) -> list[dict[str, str]]:
    return [f for _id, f in hooks.redis.xrange(f"{hooks.settings.verdict_stream}:dead")]


def test_an_entry_that_keeps_killing_its_deliverers_is_dead_lettered(hooks: Hooks) -> None:
    server, _ = hooks.receiver(always(Reply(200)))
    poison = hooks.publish("daily", "clm_poison")
    stream = hooks.settings.verdict_stream
    survivor = hooks.deliverer(lease_s=0.05, max_deliveries=2)
    # two deliverers read it and died before acknowledging it
    hooks.redis.xreadgroup(GROUP, "dead-one", {stream: ">"})
    time.sleep(0.1)
    hooks.redis.xautoclaim(stream, GROUP, "dead-two", min_idle_time=50, start_id="0-0")
    time.sleep(0.1)
    survivor.run_once()  # it claims the third delivery: one too many
    assert server.requests == [] and hooks.pending() == 0
    [moved] = _dead(hooks)
    assert moved["stream_id"] == poison and moved["group"] == GROUP
    assert "delivered 3 times (max 2); last: no acknowledgement" in moved["reason"]
    assert json.loads(moved["data"])["claim_id"] == "clm_poison"


def test_an_entry_that_does_not_decode_is_dead_lettered(hooks: Hooks) -> None:
    server, _ = hooks.receiver(always(Reply(200)))
    broken = hooks.redis.xadd(hooks.settings.verdict_stream, {"type": "verdict", "data": "{"})
    hooks.publish("daily", "clm_fine")
    hooks.deliverer().run_once()
    assert len(server.requests) == 1 and hooks.pending() == 0
    [moved] = _dead(hooks)
    assert moved["stream_id"] == broken and "malformed" in moved["reason"]


def test_a_delivery_not_recorded_is_sent_again_with_the_same_id(
    hooks: Hooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, endpoint = hooks.receiver(always(Reply(200)))
    entry = hooks.publish()
    deliverer = hooks.deliverer()
    record = deliverer.store.mark_sent
    calls = 0

    def flaky(entry_id: str, endpoint_id: str) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise StoreUnavailableError("could not record the delivery: Redis restarting")
        record(entry_id, endpoint_id)

    monkeypatch.setattr(deliverer.store, "mark_sent", flaky)
    deliverer.run_once()  # POSTed, not recorded: not acknowledged
    assert len(server.requests) == 1 and hooks.pending() == 1
    time.sleep(0.6)  # the reader's back-off after a failure (0.5 s)
    deliverer.run_once()  # its own pending entry, read again at once (no lease to wait for)
    assert hooks.pending() == 0 and hooks.store.already_sent(entry) == {endpoint.endpoint_id}
    assert [r.headers["webhook-id"] for r in server.requests] == [message_id(entry)] * 2
    assert _dead(hooks) == []
