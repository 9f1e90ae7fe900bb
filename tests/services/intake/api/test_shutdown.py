"""Stopping the intake: new work refused with a JSON 503, accepted work given time to end,
no idempotency key left pending, never uvicorn's plain-text 500."""

from __future__ import annotations

import asyncio
import json
import signal
from typing import Any

import pytest
import redis
import uvicorn

from services.intake.api import server
from services.intake.api.components import shutdown_grace_s
from services.intake.api.idempotency import IdempotencyConfig, IdempotencyStore, Reservation
from services.intake.api.shutdown import Drain, grace_period_s, settle
from services.intake.api.timeouts import TimeoutMiddleware
from tests.conftest import SettingsFactory
from tests.services.intake.conftest import Intake, IntakeFactory

ARTICLE = {"text": "UN Security Council resolution 2254 was adopted in December 2015."}


def _drain(intake: Intake) -> Drain:
    drain: Drain = intake.api._app.state.drain
    return drain


def test_a_draining_intake_refuses_new_requests_with_a_json_503(intake: Intake) -> None:
    before = intake.snapshot()
    _drain(intake).begin()
    for method, path in (("POST", "/v1/articles"), ("POST", "/v1/claims"), ("GET", "/readyz")):
        answer = intake.api.request(method, path, json=ARTICLE)
        assert answer.status_code == 503, (path, answer.text)
        assert answer.headers["content-type"] == "application/json"
        assert answer.json() == {
            "error": "shutting_down",
            "message": "the intake is shutting down; nothing was accepted, retry in a few seconds",
            "field": None,
        }
        assert int(answer.headers["Retry-After"]) >= 1
        assert answer.headers["Connection"] == "close"
    assert intake.snapshot() == before


def test_the_grace_period_covers_the_request_timeout(settings_factory: SettingsFactory) -> None:
    assert grace_period_s(0.5) == server.GRACEFUL_SHUTDOWN_S
    assert grace_period_s(45) > 45
    assert shutdown_grace_s(settings_factory(request_timeout_s=45)) == grace_period_s(45)


def test_sigterm_starts_the_drain(
    settings_factory: SettingsFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[uvicorn.Config] = []
    monkeypatch.setattr(server._Server, "run", lambda self, sockets=None: calls.append(self.config))
    server.run_server(settings_factory(request_timeout_s=40))
    [config] = calls
    drain: Drain = config.app.state.drain  # type: ignore[union-attr]
    assert not drain.draining
    server._Server(config).handle_exit(signal.SIGTERM, None)
    assert drain.draining


def test_a_request_the_server_cancels_gets_a_json_503_not_a_text_500() -> None:
    """Past the grace period uvicorn cancels what still runs; the client gets JSON."""

    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        await asyncio.sleep(10)

    async def run() -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []

        async def send(message: Any) -> None:
            sent.append(message)

        async def receive() -> Any:
            return {"type": "http.request", "body": b""}

        middleware = TimeoutMiddleware(slow_app, timeout_s=30)
        task = asyncio.ensure_future(middleware({"type": "http"}, receive, send))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return sent

    start, body = asyncio.run(run())
    assert start["status"] == 503
    assert (b"content-type", b"application/json") in start["headers"]
    assert json.loads(body["body"])["error"] == "shutting_down"


def _store(settings_factory: SettingsFactory, redis_client: redis.Redis) -> IdempotencyStore:
    settings = settings_factory()
    config = IdempotencyConfig(key_prefix=settings.key_prefix, ttl_s=settings.idempotency_ttl_s)
    return IdempotencyStore(redis_client, config)


def test_settle_returns_once_held_keys_are_answered(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    store = _store(settings_factory, redis_client)
    reservation = store.begin("-:articles", "k1", "fp")
    assert isinstance(reservation, Reservation)
    assert store.held() == 1

    async def run() -> int:
        async def answer_soon() -> None:
            await asyncio.sleep(0.2)
            store.complete(reservation, 202, {"ok": True})

        answering = asyncio.ensure_future(answer_soon())
        released = await settle(store, timeout_s=5)
        await answering
        return released

    assert asyncio.run(run()) == 0
    assert store.held() == 0
    assert json.loads(redis_client.get(reservation.redis_key) or "{}")["state"] == "done"


def test_settle_releases_keys_still_held_at_its_deadline(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    store = _store(settings_factory, redis_client)
    reservation = store.begin("-:articles", "k2", "fp")
    assert isinstance(reservation, Reservation)
    assert asyncio.run(settle(store, timeout_s=0.1)) == 1
    assert store.held() == 0
    assert redis_client.get(reservation.redis_key) is None  # a retry runs afresh, no 409


def test_the_app_shutdown_leaves_no_pending_idempotency_record(
    intake_factory: IntakeFactory,
) -> None:
    intake = intake_factory()
    app = intake.api._app
    store: IdempotencyStore = app.state.intake.idempotency
    reservation = store.begin("-:articles", "k3", "fp")
    assert isinstance(reservation, Reservation)
    _drain(intake).grace_s = 0.1
    intake.api.__exit__(None, None, None)  # the lifespan's shutdown
    assert intake.redis.get(reservation.redis_key) is None
