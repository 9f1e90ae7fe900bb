"""The webhook deliverer against real Redis and real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json
import time

import pytest

from services.delivery.deliverer import message_id
from shared.webhook_signature import verify
from tests.local_http import Reply, ServerFactory, always, in_turn
from tests.services.delivery.conftest import Clock, Hooks

pytestmark = pytest.mark.timeout(60)


def test_a_verdict_is_posted_signed_to_its_newsrooms_endpoint_only(hooks: Hooks) -> None:
    ours, mine = hooks.receiver(always(Reply(204)))
    theirs, _ = hooks.receiver(always(Reply(200)), newsroom="weekly")
    entry = hooks.publish("daily", "clm_1")
    hooks.publish(None, "clm_2")  # no newsroom: sent nowhere
    deliverer = hooks.deliverer()
    deliverer.run_once()
    assert len(ours.requests) == 1 and theirs.requests == []
    request = ours.requests[0]
    assert request.method == "POST" and request.path == "/hook"
    event = verify(mine.secret, request.headers, request.body)
    assert event["type"] == "verdict" and event["data"]["claim_id"] == "clm_1"
    assert request.headers["webhook-id"] == message_id(entry)
    with pytest.raises(ValueError):
        verify(hooks.store.add("daily", ours.url, None).secret, request.headers, request.body)
    # acknowledged: another round sends nothing again
    deliverer.run_once()
    assert len(ours.requests) == 1
    pending = hooks.redis.xpending(hooks.settings.verdict_stream, "claimcheck-webhooks")
    assert pending["pending"] == 0


def test_event_filter_and_registration_time_decide_what_is_sent(
    hooks: Hooks, http_server: ServerFactory
) -> None:
    hooks.publish("daily", "clm_before")  # before the endpoint existed
    time.sleep(0.002)
    server = http_server(always(Reply(200)))
    hooks.store.add("daily", server.url, ["article.completed"])
    time.sleep(0.002)
    hooks.publish("daily", "clm_after")
    completed = {"article_id": "a", "newsroom": "daily"}
    hooks.redis.xadd(
        hooks.settings.verdict_stream, {"type": "article.completed", "data": json.dumps(completed)}
    )
    hooks.deliverer().run_once()
    assert [r.json()["type"] for r in server.requests] == ["article.completed"]


def test_5xx_and_timeouts_are_retried_with_the_same_id_then_delivered(hooks: Hooks) -> None:
    server, _ = hooks.receiver(in_turn(Reply(503), Reply(200, delay_s=2.0), Reply(200)))
    entry = hooks.publish()
    clock = Clock()
    deliverer = hooks.deliverer(clock)
    deliverer.run_once()  # 503: a retry is scheduled
    assert hooks.store.pending_retries() == 1
    for _ in range(2):  # the hanging answer times out, then the third attempt succeeds
        clock.now += 20.0
        deliverer.run_once()
    assert hooks.store.pending_retries() == 0
    ids = {r.headers["webhook-id"] for r in server.requests}
    assert len(server.requests) == 3 and ids == {message_id(entry)}
    assert hooks.store.dead_letters() == []


def test_429_waits_for_retry_after(hooks: Hooks) -> None:
    server, _ = hooks.receiver(in_turn(Reply(429, headers={"Retry-After": "30"}), Reply(200)))
    hooks.publish()
    clock = Clock()
    deliverer = hooks.deliverer(clock, retry_base_s=0.01)
    deliverer.run_once()
    clock.now += 20.0  # backoff alone (<= 10 s) would be due; Retry-After says 30
    deliverer.run_once()
    assert len(server.requests) == 1
    clock.now += 11.0
    deliverer.run_once()
    assert len(server.requests) == 2 and hooks.store.pending_retries() == 0


def test_410_disables_the_endpoint_and_a_refusal_is_dead_lettered(hooks: Hooks) -> None:
    gone, g = hooks.receiver(always(Reply(410)))
    refusing, r = hooks.receiver(always(Reply(400)))
    hooks.publish("daily", "clm_1")
    hooks.publish("daily", "clm_2")
    hooks.deliverer().run_once()
    assert len(gone.requests) == 1  # disabled after the first 410: clm_2 is not sent there
    assert len(refusing.requests) == 2
    endpoint = hooks.store.get(g.endpoint_id)
    assert endpoint is not None and endpoint.disabled and endpoint.disabled_reason == "410 Gone"
    letters = hooks.store.dead_letters("daily")
    assert sorted((d.endpoint_id, d.last_error) for d in letters) == sorted(
        [(g.endpoint_id, "HTTP 410 (endpoint disabled)")]
        + [(r.endpoint_id, "HTTP 400 (refused)")] * 2
    )
    assert hooks.store.dead_letters("weekly") == [] and hooks.store.pending_retries() == 0


def test_a_delivery_failing_past_the_horizon_is_dead_lettered(hooks: Hooks) -> None:
    hooks.receiver(always(Reply(500)))
    hooks.publish()
    clock = Clock()
    deliverer = hooks.deliverer(clock, horizon_s=25.0)
    for _ in range(10):
        deliverer.run_once()
        clock.now += 11.0
    (letter,) = hooks.store.dead_letters()
    assert letter.last_error == "HTTP 500 (gave up)" and 2 <= letter.attempts <= 4
    assert hooks.store.pending_retries() == 0


def test_a_retry_of_a_removed_endpoint_is_dropped(hooks: Hooks) -> None:
    server, endpoint = hooks.receiver(always(Reply(500)))
    entry = hooks.publish()
    clock = Clock()
    deliverer = hooks.deliverer(clock)
    deliverer.run_once()
    assert hooks.store.pending_retries() == 1
    hooks.store.remove(endpoint.endpoint_id)
    clock.now += 20.0
    deliverer.run_once()
    assert len(server.requests) == 1 and hooks.store.pending_retries() == 0
    assert hooks.store.already_sent(entry) == set() and hooks.store.dead_letters() == []


def test_connection_refused_is_retried(hooks: Hooks) -> None:
    server, _ = hooks.receiver(always(Reply(200)))
    server.stop()
    hooks.publish()
    hooks.deliverer().run_once()
    assert hooks.store.pending_retries() == 1
    assert hooks.store.dead_letters() == []


def test_an_entry_left_by_a_dead_deliverer_is_taken_over(hooks: Hooks) -> None:
    server, _ = hooks.receiver(always(Reply(200)))
    entry = hooks.publish()
    survivor = hooks.deliverer(lease_s=0.05)
    # a deliverer read the entry and died before sending it
    hooks.redis.xreadgroup("claimcheck-webhooks", "dead-one", {hooks.settings.verdict_stream: ">"})
    survivor.run_once()
    assert server.requests == []  # still leased to the dead one
    time.sleep(0.1)
    survivor.run_once()
    assert [r.headers["webhook-id"] for r in server.requests] == [message_id(entry)]
