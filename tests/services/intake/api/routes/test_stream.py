"""``GET /v1/stream`` over a real HTTP server (uvicorn in a thread) and the real Redis.

httpx's ASGI transport buffers whole responses, so server-sent events are read from a
uvicorn server on a free loopback port; entries are written straight to the stream.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import redis
import uvicorn
from fastapi import FastAPI

from cli.processes import free_port, http_ready, wait_until
from services.intake.api.app import create_app
from services.intake.api.server import GRACEFUL_SHUTDOWN_S
from services.intake.extraction import ClaimExtractor
from shared.settings import Settings
from tests.conftest import SettingsFactory
from tests.services.intake.conftest import API_KEY, AUTH_SETTINGS, OTHER_KEY


@dataclass
class Event:
    id: str | None = None
    event: str | None = None
    data: str = ""
    comments: list[str] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.data)
        return value


class EventReader:
    """Reads SSE events (and comments) from a streaming httpx response."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.iter_lines()
        self.comments: list[str] = []

    def next(self) -> Event:
        event = Event()
        for line in self._lines:
            if line == "":
                if event.id is not None or event.data:
                    return event
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                self.comments.append(value)
            elif name == "id":
                event.id = value
            elif name == "event":
                event.event = value
            elif name == "data":
                event.data += value
        raise EOFError("stream ended")

    def take(self, n: int) -> list[Event]:
        return [self.next() for _ in range(n)]

    def next_comment(self, text: str) -> None:
        for line in self._lines:
            if line == f": {text}":
                return
        raise EOFError("stream ended")


@dataclass
class Server:
    settings: Settings
    app: FastAPI
    base_url: str
    redis: redis.Redis

    def add(self, type_: str = "verdict", **data: Any) -> str:
        fields = {"type": type_, "data": json.dumps(data)}
        return str(self.redis.xadd(self.settings.verdict_stream, fields))

    def open(self, path: str = "/v1/stream", **headers: str) -> httpx.Client:
        timeout = httpx.Timeout(10.0, read=5.0)
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    def sse_blocked_clients(self) -> int:
        name = f"{self.settings.key_prefix}-sse"
        clients = self.redis.client_list()
        return sum(1 for c in clients if c.get("name") == name and "b" in c.get("flags", ""))


@pytest.fixture
def server_factory(
    settings_factory: SettingsFactory,
    redis_client: redis.Redis,
    rules_extractor: ClaimExtractor,
) -> Iterator[Any]:
    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def make(**overrides: Any) -> Server:
        settings = settings_factory(**overrides)
        app = create_app(settings, extractor=rules_extractor)
        port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        running.append((server, thread))
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return Server(settings, app, f"http://127.0.0.1:{port}", redis_client)

    yield make
    for server, thread in running:
        server.should_exit = True
        thread.join(timeout=15)


def _verdict(article: str, claim: str, **extra: Any) -> dict[str, Any]:
    return {"article_id": article, "claim_id": claim, "label": "supported", **extra}


def test_each_entry_is_an_event_with_the_stream_id_type_and_json(server_factory: Any) -> None:
    srv = server_factory()
    with srv.open() as http, http.stream("GET", "/v1/stream") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = EventReader(response)
        reader.next_comment("connected")
        first = srv.add(**_verdict("art_1", "clm_1", confidence=0.8))
        second = srv.add("article.completed", article_id="art_1", claim_count=1)
        events = reader.take(2)
    assert [(e.id, e.event) for e in events] == [
        (first, "verdict"),
        (second, "article.completed"),
    ]
    assert events[0].json() == _verdict("art_1", "clm_1", confidence=0.8)
    assert events[1].json()["claim_count"] == 1


def _blocks(response: httpx.Response) -> Iterator[list[str]]:
    """The stream's blocks: the lines up to each blank line, as the SSE spec cuts them."""
    block: list[str] = []
    for line in response.iter_lines():
        if line:
            block.append(line)
        elif block:
            yield block
            block = []


def test_only_comments_come_before_the_first_event(server_factory: Any) -> None:
    # some clients (httpx-sse) hand on every block with a field as an event, data or not: a
    # lone `retry:` before the first event reached them as an empty event (json.loads failed)
    srv = server_factory()
    first = srv.add(**_verdict("art_1", "clm_1"))
    prelude: list[list[str]] = []
    event: list[str] = []
    with srv.open() as http, http.stream("GET", "/v1/stream", params={"backlog": 1}) as response:
        for block in _blocks(response):
            if not all(line.startswith(":") for line in block):
                event = block
                break
            prelude.append(block)
    assert any(": connected" in block for block in prelude), prelude
    fields: dict[str, str] = {}
    for line in event:
        name, _, value = line.partition(":")
        if name:  # not a comment
            fields[name] = value.removeprefix(" ")
    assert (fields["id"], fields["event"]) == (first, "verdict")
    assert json.loads(fields["data"])["claim_id"] == "clm_1"
    assert fields["retry"] == "2000"  # the reconnection delay comes with the first event


def test_article_filter_and_backlog(server_factory: Any) -> None:
    srv = server_factory()
    ids = [srv.add(**_verdict(f"art_{i % 2}", f"clm_{i}")) for i in range(6)]
    with srv.open() as http:
        with http.stream("GET", "/v1/stream", params={"backlog": 3}) as response:
            got = EventReader(response).take(3)
        assert [e.id for e in got] == ids[3:]
        params: dict[str, Any] = {"backlog": 100, "article_id": "art_1"}
        with http.stream("GET", "/v1/stream", params=params) as response:
            reader = EventReader(response)
            got = reader.take(3)
            later = srv.add(**_verdict("art_0", "clm_x"))
            wanted = srv.add(**_verdict("art_1", "clm_y"))
            after = reader.next()
    assert [e.json()["claim_id"] for e in got] == ["clm_1", "clm_3", "clm_5"]
    assert later != after.id and after.id == wanted


def test_resume_from_last_event_id_loses_and_repeats_nothing(server_factory: Any) -> None:
    srv = server_factory()
    written = [srv.add(**_verdict("art_1", f"clm_{i}")) for i in range(5)]
    seen: list[str] = []
    with srv.open() as http:
        with http.stream("GET", "/v1/stream", params={"backlog": 5}) as response:
            seen += [e.id or "" for e in EventReader(response).take(2)]
        # disconnected: more entries arrive meanwhile
        written += [srv.add(**_verdict("art_1", f"clm_{i}")) for i in range(5, 9)]
        with http.stream("GET", "/v1/stream", headers={"Last-Event-ID": seen[-1]}) as response:
            reader = EventReader(response)
            seen += [e.id or "" for e in reader.take(7)]
            written.append(srv.add(**_verdict("art_1", "clm_9")))
            seen.append(reader.next().id or "")
        # the query parameter does the same for clients that cannot set headers
        params = {"last_event_id": written[6]}
        with http.stream("GET", "/v1/stream", params=params) as response:
            tail = [e.id for e in EventReader(response).take(3)]
    assert seen == written
    assert len(set(seen)) == len(seen) == 10
    assert tail == written[7:]


def test_tenancy_each_newsroom_sees_only_its_entries(server_factory: Any) -> None:
    srv = server_factory(**AUTH_SETTINGS)
    srv.add(**_verdict("art_a", "clm_a", newsroom="daily-planet"))
    srv.add(**_verdict("art_b", "clm_b", newsroom="daily-star"))
    srv.add(**_verdict("art_c", "clm_c"))  # no newsroom: nobody's, hidden when auth is on
    srv.add("article.completed", article_id="art_a", newsroom="daily-planet", claim_count=1)
    srv.add(**_verdict("art_b", "clm_b2", newsroom="daily-star"))
    with srv.open() as anonymous:
        response = anonymous.get("/v1/stream")
        assert response.status_code == 401
        assert API_KEY not in response.text
    seen: dict[str, list[str]] = {}
    for key, newsroom in ((API_KEY, "daily-planet"), (OTHER_KEY, "daily-star")):
        with (
            srv.open(**{"X-API-Key": key}) as http,
            http.stream("GET", "/v1/stream", params={"backlog": 10}) as response,
        ):
            assert response.status_code == 200
            events = EventReader(response).take(2)
            assert all(e.json()["newsroom"] == newsroom for e in events)
            seen[newsroom] = [f"{e.event}:{e.json()['article_id']}" for e in events]
    assert seen == {
        "daily-planet": ["verdict:art_a", "article.completed:art_a"],
        "daily-star": ["verdict:art_b", "verdict:art_b"],
    }


def test_auth_off_shows_every_newsroom(server_factory: Any) -> None:
    srv = server_factory()
    srv.add(**_verdict("art_a", "clm_a", newsroom="daily-planet"))
    srv.add(**_verdict("art_b", "clm_b", newsroom="daily-star"))
    srv.add(**_verdict("art_c", "clm_c"))
    with srv.open() as http, http.stream("GET", "/v1/stream", params={"backlog": 3}) as response:
        events = EventReader(response).take(3)
    assert [e.json()["claim_id"] for e in events] == ["clm_a", "clm_b", "clm_c"]


def test_keep_alive_comments_while_quiet(server_factory: Any) -> None:
    srv = server_factory(sse_keepalive_s=0.3)
    with srv.open() as http, http.stream("GET", "/v1/stream") as response:
        reader = EventReader(response)
        started = time.monotonic()
        reader.next_comment("keep-alive")
        reader.next_comment("keep-alive")
        assert time.monotonic() - started < 4


def test_client_cap_503_and_the_slot_and_connection_come_back(server_factory: Any) -> None:
    srv = server_factory(sse_max_clients=2)
    hub = srv.app.state.streams
    with srv.open() as http:
        with (
            http.stream("GET", "/v1/stream") as one,
            http.stream("GET", "/v1/stream") as two,
        ):
            # (keep the readers: a dropped line iterator closes its response)
            readers = [EventReader(one), EventReader(two)]
            for reader in readers:
                reader.next_comment("connected")
            assert hub.active == 2
            full = http.get("/v1/stream")
            assert full.status_code == 503
            assert full.json()["error"] == "too_many_streams"
            time.sleep(0.3)
            assert srv.sse_blocked_clients() == 2
        # both clients went away: their slots and Redis connections are given back
        deadline = time.monotonic() + 5
        while (hub.active or srv.sse_blocked_clients()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert hub.active == 0
        assert srv.sse_blocked_clients() == 0
        with http.stream("GET", "/v1/stream") as again:
            assert again.status_code == 200


def test_bad_last_event_id_is_422(server_factory: Any) -> None:
    srv = server_factory()
    with srv.open() as http:
        response = http.get("/v1/stream", headers={"Last-Event-ID": "nonsense"})
    assert response.status_code == 422
    assert srv.app.state.streams.active == 0


def test_dashboard_page_and_assets_are_served(server_factory: Any) -> None:
    srv = server_factory(**AUTH_SETTINGS)
    with srv.open() as http:
        page = http.get("/dashboard")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert 'src="/dashboard/app.js"' in page.text
        js = http.get("/dashboard/app.js")
        assert js.status_code == 200 and "javascript" in js.headers["content-type"]
        css = http.get("/dashboard/style.css")
        assert css.status_code == 200 and "text/css" in css.headers["content-type"]
        assert http.get("/dashboard/../app.py").status_code == 404
        assert http.get("/dashboard/secret.txt").status_code == 404


def test_article_status_carries_the_article_text(server_factory: Any, seed_text: str) -> None:
    srv = server_factory()
    with srv.open() as http:
        accepted = http.post("/v1/articles", json={"text": seed_text})
        assert accepted.status_code == 202, accepted.text
        body = http.get(f"/v1/articles/{accepted.json()['article_id']}").json()
    assert body["text"] == seed_text
    for claim in body["claims"]:
        assert seed_text[claim["start"] : claim["end"]] == claim["source_text"]


@pytest.mark.e2e
def test_a_stopping_intake_ends_its_open_streams(settings_factory: SettingsFactory) -> None:
    """SIGTERM: open streams end within a second, so the graceful shutdown does not hang
    (nor wait for its timeout, GRACEFUL_SHUTDOWN_S)."""
    from tests.e2e.conftest import settings_env

    settings = settings_factory()
    port = free_port()
    env = {**os.environ, **settings_env(settings), "CLAIMCHECK_PORT": str(port)}
    base_url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until(lambda: http_ready(f"{base_url}/readyz"), timeout=60, what="intake")
        with (
            httpx.Client(base_url=base_url, timeout=10) as http,
            http.stream("GET", "/v1/stream") as response,
        ):
            reader = EventReader(response)  # (held: a dropped reader closes the response)
            reader.next_comment("connected")
            stopping = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=GRACEFUL_SHUTDOWN_S + 10)
            assert time.monotonic() - stopping < GRACEFUL_SHUTDOWN_S - 1
            with pytest.raises(EOFError):
                reader.next()  # the server ended the response cleanly
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_redis_unreachable_is_503_and_gives_the_slot_back(server_factory: Any) -> None:
    import redis.asyncio as aioredis

    srv = server_factory()
    hub = srv.app.state.streams
    working = hub.redis
    # nothing listens on port 1: every connection attempt fails at once
    hub.redis = aioredis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    try:
        with srv.open() as http:
            response = http.get("/v1/stream")
    finally:
        hub.redis = working
    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    assert hub.active == 0


def test_a_revoked_key_loses_its_open_stream(
    server_factory: Any, redis_client: redis.Redis
) -> None:
    from shared.store.api_keys import ApiKeyStore

    srv = server_factory(**AUTH_SETTINGS)
    made = ApiKeyStore(redis_client, srv.settings.key_prefix).add("daily-planet")
    with srv.open(**{"X-API-Key": made.key}) as http:
        with http.stream("GET", "/v1/stream") as response:
            assert response.status_code == 200
            reader = EventReader(response)
            reader.next_comment("connected")
            srv.add(**_verdict("art_a", "clm_before", newsroom="daily-planet"))
            assert reader.next().json()["claim_id"] == "clm_before"
            ApiKeyStore(redis_client, srv.settings.key_prefix).revoke(made.info.key_id)
            started = time.monotonic()
            srv.add(**_verdict("art_a", "clm_after", newsroom="daily-planet"))
            event = reader.next()
            # the stream ends within the re-check period; nothing after the revocation
            assert event.event == "revoked", event
            with pytest.raises(EOFError):
                reader.next()
            assert time.monotonic() - started < 5
        assert http.get("/v1/stream").status_code == 401
    assert srv.app.state.streams.active == 0


def test_streams_are_capped_per_newsroom(server_factory: Any) -> None:
    srv = server_factory(**AUTH_SETTINGS, sse_max_clients=10, sse_max_clients_per_newsroom=1)
    with (
        srv.open(**{"X-API-Key": API_KEY}) as planet,
        srv.open(**{"X-API-Key": OTHER_KEY}) as star,
        planet.stream("GET", "/v1/stream") as first,
    ):
        reader = EventReader(first)  # kept: a dropped reader closes its response
        reader.next_comment("connected")
        second = planet.get("/v1/stream")
        assert second.status_code == 503
        assert "this newsroom already has 1 open streams" in second.json()["message"]
        # another newsroom still gets its stream
        with star.stream("GET", "/v1/stream") as other:
            assert other.status_code == 200


@pytest.mark.parametrize("value", [str(2**64), f"1-{2**64}", "99999999999999999999"])
def test_last_event_id_beyond_64_bits_is_422(server_factory: Any, value: str) -> None:
    srv = server_factory()
    with srv.open() as http:
        response = http.get("/v1/stream", headers={"Last-Event-ID": value})
    assert response.status_code == 422
    assert srv.app.state.streams.active == 0
