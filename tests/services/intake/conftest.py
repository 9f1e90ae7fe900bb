"""Fixtures for the intake: a real Redis, the real Celery producer, the app in-process.

Every test gets its own key prefix, verdict stream and queue (``settings_factory``) and
everything under them is deleted afterwards, including kombu's binding keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.from_thread
import httpx
import pytest
import redis
from fastapi import FastAPI

from services.intake.api.app import create_app
from services.intake.extraction import ClaimExtractor
from shared.settings import Settings
from shared.settings_configs import broker_config, publisher_config, store_config
from shared.store.claims import ClaimStore
from shared.store.client import make_redis
from shared.store.publisher import VerdictPublisher
from shared.tasks import CeleryEnqueuer
from tests.conftest import SettingsFactory
from tests.shared.jobs import job_args

SEED_ARTICLE = Path(__file__).resolve().parents[3] / "examples" / "danang-article.txt"
CLOSED_PORT_URL = "redis://127.0.0.1:1/0"
"""Nothing listens on port 1: connecting fails at once."""
API_KEY = "dp-test-key-0123456789-aaaaaaaaaaaa"
OTHER_KEY = "ds-test-key-9876543210-bbbbbbbbbbbb"
AUTH_SETTINGS: dict[str, Any] = {
    "auth_enabled": True,
    "api_keys": {"daily-planet": API_KEY, "daily-star": OTHER_KEY},
}
PLANET = {"X-API-Key": API_KEY}
"""The headers of a request of the daily-planet (with :data:`AUTH_SETTINGS`)."""
STAR = {"X-API-Key": OTHER_KEY}
"""The headers of a request of the daily-star (with :data:`AUTH_SETTINGS`)."""


class ApiClient:
    """Synchronous requests into an ASGI app whose lifespan runs for the client's life.

    Starlette's TestClient warns about ``httpx`` (it wants ``httpx2``), so this does the
    same with an anyio blocking portal and httpx's ASGI transport.
    """

    def __init__(self, app: FastAPI, headers: dict[str, str] | None = None) -> None:
        self._app = app
        self._headers = headers or {}
        self._stack = ExitStack()
        self._client: httpx.AsyncClient | None = None
        self.portal: anyio.from_thread.BlockingPortal | None = None

    def __enter__(self) -> ApiClient:
        self.portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
        lifespan: AbstractContextManager[Any] = self.portal.wrap_async_context_manager(
            self._app.router.lifespan_context(self._app)
        )
        self._stack.enter_context(lifespan)
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self._app),
            base_url="http://intake.test",
            headers=self._headers,
        )
        self._stack.callback(self.portal.call, self._client.aclose)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @property
    def client(self) -> httpx.AsyncClient:
        assert self._client is not None, "use the ApiClient as a context manager"
        return self._client

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        assert self.portal is not None
        response: httpx.Response = self.portal.call(
            lambda: self.client.request(method, url, **kwargs)
        )
        return response

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)


@dataclass
class Intake:
    """One isolated intake app with handles on everything it writes to."""

    settings: Settings
    redis: redis.Redis
    api: ApiClient
    store: ClaimStore
    publisher: VerdictPublisher
    enqueuer: CeleryEnqueuer
    extras: list[Any] = field(default_factory=list)

    def queue_length(self) -> int:
        return int(self.redis.llen(self.settings.queue_name))

    def queued_claim_ids(self) -> list[str]:
        """The claim ids of the queued jobs, oldest first (Celery LPUSHes, workers BRPOP)."""
        return [
            job_args(raw)[0] for raw in reversed(self.redis.lrange(self.settings.queue_name, 0, -1))
        ]

    def stream_length(self) -> int:
        return int(self.redis.xlen(self.settings.verdict_stream))

    def stored_keys(self) -> set[str]:
        return set(self.redis.scan_iter(match=f"{self.settings.key_prefix}:*", count=500))

    def snapshot(self) -> tuple[int, int, frozenset[str]]:
        """Stream length, queue length and stored keys: what bad input must not change
        (failed-authentication counters of the rate limiter aside: counting is their job)."""
        failures = f"{self.settings.key_prefix}:rl:auth_failures:"
        stored = {k for k in self.stored_keys() if not k.startswith(failures)}
        return self.stream_length(), self.queue_length(), frozenset(stored)


IntakeFactory = Callable[..., Intake]


class EveryoneWorthy:
    """A scorer that finds every sentence check-worthy: tests of the rules, not the model."""

    threshold = 0.5

    def score(self, texts: Sequence[str]) -> list[float]:
        return [0.9] * len(texts)


@pytest.fixture(scope="session")
def extractor() -> ClaimExtractor:
    """The extractor the intake runs: the shipped model at its dev-chosen threshold."""
    return ClaimExtractor("en_core_web_sm")


@pytest.fixture(scope="session")
def rules_extractor() -> ClaimExtractor:
    """Every sentence that passes the cheap filters is a claim (score 0.9)."""
    return ClaimExtractor("en_core_web_sm", scorer=EveryoneWorthy())


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED_ARTICLE.read_text(encoding="utf-8")


def _delete_broker_keys(client: redis.Redis, queue_name: str) -> None:
    keys = list(client.scan_iter(match=f"_kombu.binding*.{queue_name}", count=500))
    if keys:
        client.delete(*keys)


@pytest.fixture
def settings_factory(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> Iterator[SettingsFactory]:
    """The shared factory, plus cleanup of the binding keys kombu adds for each queue."""
    queues: list[str] = []

    def make(**overrides: Any) -> Settings:
        settings = settings_factory(**overrides)
        queues.append(settings.queue_name)
        return settings

    yield make
    for queue_name in queues:
        _delete_broker_keys(redis_client, queue_name)


@pytest.fixture
def intake_factory(
    settings_factory: SettingsFactory, redis_client: redis.Redis, extractor: ClaimExtractor
) -> Iterator[IntakeFactory]:
    """Build intake apps (each in its own namespace) and shut them all down afterwards.

    ``headers`` become default request headers; ``redis_url_for_app`` points only the
    app's Redis client elsewhere (to test readiness); other keywords are settings.
    """
    with ExitStack() as stack:

        def make(
            *, headers: dict[str, str] | None = None, redis_url_for_app: str | None = None,
            **overrides: Any,
        ) -> Intake:  # fmt: skip
            settings = settings_factory(**overrides)
            app_settings = (
                settings.model_copy(update={"redis_url": redis_url_for_app})
                if redis_url_for_app
                else settings
            )
            client = make_redis(app_settings)
            stack.callback(client.connection_pool.disconnect)  # close() leaves a given pool
            stack.callback(client.close)
            enqueuer = CeleryEnqueuer(broker_config(settings))
            stack.callback(enqueuer.close)
            app = create_app(settings, redis_client=client, enqueuer=enqueuer, extractor=extractor)
            api = stack.enter_context(ApiClient(app, headers))
            return Intake(
                settings=settings,
                redis=redis_client,
                api=api,
                store=ClaimStore(redis_client, store_config(settings)),
                publisher=VerdictPublisher(redis_client, publisher_config(settings)),
                enqueuer=enqueuer,
            )

        yield make


@pytest.fixture
def intake(intake_factory: IntakeFactory) -> Intake:
    """An intake with authentication off."""
    return intake_factory()
