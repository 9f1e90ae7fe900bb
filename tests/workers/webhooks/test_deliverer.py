"""The webhook deliverer against real Redis and real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import redis

from shared.settings import Settings
from shared.webhook_signature import verify
from shared.webhook_store import WebhookStore
from tests.conftest import SettingsFactory
from tests.local_http import Reply, ServerFactory, always, http_server_factory, in_turn
from workers.webhooks.deliverer import Deliverer, DeliveryConfig, message_id

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def http_server() -> Iterator[ServerFactory]:
    yield from http_server_factory()


class Clock:
    """A clock the test moves: retries come due without waiting for them."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


DelivererFactory = Callable[..., Deliverer]


@pytest.fixture
def deliverer_factory(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> Iterator[tuple[Settings, DelivererFactory]]:
    settings = settings_factory()
    made: list[Deliverer] = []

    def make(clock: Clock | None = None, **overrides: object) -> Deliverer:
        values: dict[str, object] = {
            "stream": settings.verdict_stream,
            "key_prefix": settings.key_prefix,
            "consumer": f"test-{len(made)}",
            "timeout_s": 1.0,
            "retry_base_s": 1.0,
            "retry_max_s": 10.0,
            "horizon_s": 60.0,
            "lease_s": 30.0,
            "block_ms": 10,
        }
        values.update(overrides)
        d = Deliverer(redis_client, DeliveryConfig(**values), clock=clock or time.time)  # type: ignore[arg-type]
        d.ensure_group()
        made.append(d)
        return d

    yield settings, make
    for d in made:
        d.close()


def publish(client: redis.Redis, settings: Settings, newsroom: str | None, claim: str) -> str:
    data = {"claim_id": claim, "label": "supported", "newsroom": newsroom}
    return str(client.xadd(settings.verdict_stream, {"type": "verdict", "data": json.dumps(data)}))


def test_a_verdict_is_posted_signed_to_its_newsrooms_endpoint_only(
    deliverer_factory: tuple[Settings, DelivererFactory],
    redis_client: redis.Redis,
    http_server: ServerFactory,
) -> None:
    settings, make = deliverer_factory
    ours, theirs = http_server(always(Reply(204))), http_server(always(Reply(200)))
    store = WebhookStore(redis_client, settings.key_prefix)
    mine = store.add("daily", ours.url + "/hook", None)
    store.add("weekly", theirs.url + "/hook", None)
    time.sleep(0.002)  # entries published after the endpoints were registered
    entry = publish(redis_client, settings, "daily", "clm_1")
    publish(redis_client, settings, None, "clm_2")  # no newsroom: sent nowhere
    deliverer = make()
    deliverer.run_once()
    assert len(ours.requests) == 1 and theirs.requests == []
    request = ours.requests[0]
    assert request.method == "POST" and request.path == "/hook"
    event = verify(mine.secret, request.headers, request.body)
    assert event["type"] == "verdict" and event["data"]["claim_id"] == "clm_1"
    assert request.headers["webhook-id"] == message_id(entry)
    with pytest.raises(ValueError):
        verify(store.add("daily", ours.url, None).secret, request.headers, request.body)
    # acknowledged: another round sends nothing again
    deliverer.run_once()
    assert len(ours.requests) == 1
    assert redis_client.xpending(settings.verdict_stream, "claimcheck-webhooks")["pending"] == 0


def test_event_filter_and_registration_time_decide_what_is_sent(
    deliverer_factory: tuple[Settings, DelivererFactory],
    redis_client: redis.Redis,
    http_server: ServerFactory,
) -> None:
    settings, make = deliverer_factory
    server = http_server(always(Reply(200)))
    store = WebhookStore(redis_client, settings.key_prefix)
    publish(redis_client, settings, "daily", "clm_before")  # before the endpoint existed
    time.sleep(0.002)
    store.add("daily", server.url, ["article.completed"])
    time.sleep(0.002)
    publish(redis_client, settings, "daily", "clm_after")
    redis_client.xadd(
        settings.verdict_stream,
        {"type": "article.completed", "data": json.dumps({"article_id": "a", "newsroom": "daily"})},
    )
    make().run_once()
    assert [r.json()["type"] for r in server.requests] == ["article.completed"]


def test_5xx_and_timeouts_are_retried_with_the_same_id_then_delivered(
    deliverer_factory: tuple[Settings, DelivererFactory],
    redis_client: redis.Redis,
    http_server: ServerFactory,
) -> None:
    settings, make = deliverer_factory
    server = http_server(in_turn(Reply(503), Reply(200, delay_s=2.0), Reply(200)))
    store = WebhookStore(redis_client, settings.key_prefix)
    store.add("daily", server.url, None)
    time.sleep(0.002)
    entry = publish(redis_client, settings, "daily", "clm_1")
    clock = Clock()
    deliverer = make(clock)
    deliverer.run_once()  # 503: a retry is scheduled
    assert store.pending_retries() == 1
    for _ in range(2):  # the hanging answer times out, then the third attempt succeeds
        clock.now += 20.0
        deliverer.run_once()
    assert store.pending_retries() == 0
    ids = {r.headers["webhook-id"] for r in server.requests}
    assert len(server.requests) == 3 and ids == {message_id(entry)}
    assert store.dead_letters() == []


def test_429_waits_for_retry_after(
    deliverer_factory: tuple[Settings, DelivererFactory],
    redis_client: redis.Redis,
    http_server: ServerFactory,
) -> None:
    settings, make = deliverer_factory
    server = http_server(in_turn(Reply(429, headers={"Retry-After": "30"}), Reply(200)))
    store = WebhookStore(redis_client, settings.key_prefix)
    store.add("daily", server.url, None)
    time.sleep(0.002)
    publish(redis_client, settings, "daily", "clm_1")
    clock = Clock()
    deliverer = make(clock, retry_base_s=0.01)
    deliverer.run_once()
    clock.now += 20.0  # backoff alone (<= 10 s) would be due; Retry-After says 30
    deliverer.run_once()
    assert len(server.requests) == 1
    clock.now += 11.0
    deliverer.run_once()
    assert len(server.requests) == 2 and store.pending_retries() == 0


def test_410_disables_the_endpoint_and_a_refusal_is_dead_lettered(
    deliverer_factory: tuple[Settings, DelivererFactory],
    redis_client: redis.Redis,
    http_server: ServerFactory,
) -> None:
    settings, make = deliverer_factory
    gone, refusing = http_server(always(Reply(410))), http_server(always(Reply(400)))
    store = WebhookStore(redis_client, settings.key_prefix)
    g = store.add("daily", gone.url, None)
    r = store.add("daily", refusing.url, None)
    time.sleep(0.002)
    publish(redis_client, settings, "daily", "clm_1")
    publish(redis_client, settings, "daily", "clm_2")
    make().run_once()
    assert len(gone.requests) == 1  # disabled after the first 410: clm_2 is not sent there
    assert len(refusing.requests) == 2
    endpoint = store.get(g.endpoint_id)
    assert endpoint is not None and endpoint.disabled and endpoint.disabled_reason == "410 Gone"
    letters = store.dead_letters("daily")
    assert sorted((d.endpoint_id, d.last_error) for d in letters) == sorted(
        [(g.endpoint_id, "HTTP 410 (endpoint disabled)")]
        + [(r.endpoint_id, "HTTP 400 (refused)")] * 2
    )
    assert store.dead_letters("weekly") == [] and store.pending_retries() == 0


def test_a_delivery_failing_past_the_horizon_is_dead_lettered(
    deliverer_factory: tuple[Settings, DelivererFactory],
    redis_client: redis.Redis,
    http_server: ServerFactory,
) -> None:
    settings, make = deliverer_factory
    server = http_server(always(Reply(500)))
    store = WebhookStore(redis_client, settings.key_prefix)
    store.add("daily", server.url, None)
    time.sleep(0.002)
    publish(redis_client, settings, "daily", "clm_1")
    clock = Clock()
    deliverer = make(clock, horizon_s=25.0)
    for _ in range(10):
        deliverer.run_once()
        clock.now += 11.0
    (letter,) = store.dead_letters()
    assert letter.last_error == "HTTP 500 (gave up)" and 2 <= letter.attempts <= 4
    assert store.pending_retries() == 0


def test_connection_refused_is_retried(
    deliverer_factory: tuple[Settings, DelivererFactory],
    redis_client: redis.Redis,
    http_server: ServerFactory,
) -> None:
    settings, make = deliverer_factory
    server = http_server(always(Reply(200)))
    url = server.url
    server.stop()
    store = WebhookStore(redis_client, settings.key_prefix)
    store.add("daily", url, None)
    time.sleep(0.002)
    publish(redis_client, settings, "daily", "clm_1")
    make().run_once()
    assert store.pending_retries() == 1
    assert store.dead_letters() == []


def test_an_entry_left_by_a_dead_deliverer_is_taken_over(
    deliverer_factory: tuple[Settings, DelivererFactory],
    redis_client: redis.Redis,
    http_server: ServerFactory,
) -> None:
    settings, make = deliverer_factory
    server = http_server(always(Reply(200)))
    store = WebhookStore(redis_client, settings.key_prefix)
    store.add("daily", server.url, None)
    time.sleep(0.002)
    entry = publish(redis_client, settings, "daily", "clm_1")
    survivor = make(lease_s=0.05)
    # a deliverer read the entry and died before sending it
    redis_client.xreadgroup("claimcheck-webhooks", "dead-one", {settings.verdict_stream: ">"})
    survivor.run_once()
    assert server.requests == []  # still leased to the dead one
    time.sleep(0.1)
    survivor.run_once()
    assert [r.headers["webhook-id"] for r in server.requests] == [message_id(entry)]


def test_transport_can_be_injected() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    client = redis.Redis()
    config = DeliveryConfig(stream="s", key_prefix="p", consumer="c")
    with Deliverer(client, config, transport=httpx.MockTransport(handler)) as deliverer:
        deliverer._http.post("http://example.invalid/x", content=b"{}")
    client.close()
    assert [str(r.url) for r in seen] == ["http://example.invalid/x"]
