"""What the deliverer's tests share: a namespace with its store, receivers, entries and
deliverers (:class:`Hooks`), a clock the test moves, and waiting for a condition."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import redis

from services.delivery.deliverer import Deliverer, DeliveryConfig
from shared.settings import Settings
from shared.store.webhooks import Attempt, Endpoint, WebhookStore
from tests.conftest import SettingsFactory
from tests.local_http import Handler, LocalHttpServer, ServerFactory, http_server_factory
from tests.services.delivery.raw_http import Behaviour, RawFactory, RawServer


@pytest.fixture
def http_server() -> Iterator[ServerFactory]:
    yield from http_server_factory()


@pytest.fixture
def raw_server() -> Iterator[RawFactory]:
    """Misbehaving receivers (:mod:`tests.services.delivery.raw_http`), stopped after."""
    started: list[RawServer] = []

    def start(behaviour: Behaviour, *, read_request: bool = True) -> RawServer:
        server = RawServer(behaviour, read_request=read_request)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


class Clock:
    """A clock the test moves: retries come due without waiting for them."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.01)


class Hooks:
    """One test's namespace: its store, receivers, entries and deliverers."""

    def __init__(self, settings: Settings, client: redis.Redis, servers: ServerFactory) -> None:
        self.settings, self.redis, self._servers = settings, client, servers
        self.store = WebhookStore(client, settings.key_prefix)
        self.made: list[Deliverer] = []
        self.published: dict[str, float] = {}  # entry id -> when it was published

    def register(self, url: str, newsroom: str = "daily") -> Endpoint:
        """An endpoint for ``url`` (registered before what is published next)."""
        endpoint = self.store.add(newsroom, url, None)
        time.sleep(0.002)  # entries published from now on come after the registration
        return endpoint

    def receiver(
        self, handler: Handler, newsroom: str = "daily"
    ) -> tuple[LocalHttpServer, Endpoint]:
        """A real HTTP server registered as ``newsroom``'s endpoint (before what follows)."""
        server = self._servers(handler)
        return server, self.register(server.url + "/hook", newsroom)

    def publish(self, newsroom: str | None = "daily", claim: str = "clm_1") -> str:
        data = {"claim_id": claim, "label": "supported", "newsroom": newsroom}
        entry = {"type": "verdict", "data": json.dumps(data)}
        entry_id = str(self.redis.xadd(self.settings.verdict_stream, entry))
        self.published[entry_id] = time.time()
        return entry_id

    def retries(self) -> list[Attempt]:
        """Every scheduled retry, due or not (read without taking them)."""
        raw = self.redis.hvals(f"{self.settings.key_prefix}:webhooks:attempt")
        return [Attempt.model_validate_json(r) for r in raw]

    def pending(self) -> int:
        """Entries read by a deliverer and not acknowledged yet."""
        info = self.redis.xpending(self.settings.verdict_stream, "claimcheck-webhooks")
        return int(info["pending"])

    def deliverer(self, clock: Clock | None = None, **overrides: object) -> Deliverer:
        values: dict[str, object] = {
            "stream": self.settings.verdict_stream,
            "key_prefix": self.settings.key_prefix,
            "consumer": f"test-{len(self.made)}",
            "timeout_s": 1.0,
            "retry_base_s": 1.0,
            "retry_max_s": 10.0,
            "horizon_s": 60.0,
            "lease_s": 30.0,
            "block_ms": 10,
            "allow_private": True,  # the receivers are on 127.0.0.1
        }
        resolve = overrides.pop("resolve", None)
        values.update(overrides)
        config = DeliveryConfig(**values)  # type: ignore[arg-type]
        d = Deliverer(self.redis, config, clock=clock or time.time, resolve=resolve)  # type: ignore[arg-type]
        self.made.append(d)
        return d

    @contextmanager
    def running(self, deliverer: Deliverer) -> Iterator[None]:
        """``deliverer.run`` in a thread (the production loop) while the block runs."""
        stop = threading.Event()
        thread = threading.Thread(target=deliverer.run, args=(stop,), daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=30)
            assert not thread.is_alive(), "the deliverer did not stop"


@pytest.fixture
def hooks(
    settings_factory: SettingsFactory, redis_client: redis.Redis, http_server: ServerFactory
) -> Iterator[Hooks]:
    made = Hooks(settings_factory(), redis_client, http_server)
    yield made
    for d in made.made:
        d.close()
