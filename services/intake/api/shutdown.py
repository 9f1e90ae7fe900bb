"""Stopping the intake without answering a request badly or leaving work half done.

On SIGTERM the server starts the :class:`Drain`: from then on :class:`DrainMiddleware`
answers every new request ``503 {"error": "shutting_down", ...}`` with ``Retry-After``
(nothing was accepted; the client retries against the next intake). Requests already
running get :func:`grace_period_s` to finish, longer than the request deadline, so each
of them ends with its own answer (202, or the deadline's 504) before uvicorn would cancel
it. Work a 504 left running in a thread can still hold an ``Idempotency-Key``: the app's
shutdown waits for it (:func:`settle`) and, at the grace period's end, gives up the keys
still held, so that no pending record outlives the process and a retry never gets 409.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Final

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from services.intake.api.error_answers import error_response
from services.intake.api.idempotency import IdempotencyStore

logger = logging.getLogger(__name__)

GRACEFUL_SHUTDOWN_S: Final = 5
"""The shortest grace period; requests running after it (event streams) are cancelled."""
GRACE_MARGIN_S: Final = 2.0
"""How much longer than the request deadline the grace period lasts."""
RETRY_AFTER_S: Final = 5
"""``Retry-After`` of a refusal: about the time another intake takes to answer."""

SHUTTING_DOWN: Final = "shutting_down"
REFUSED_MESSAGE: Final = "the intake is shutting down; nothing was accepted, retry in a few seconds"
CUT_MESSAGE: Final = (
    "the intake stopped before this request was answered; retry it with the same "
    "Idempotency-Key to learn whether it was accepted"
)


def grace_period_s(request_timeout_s: float) -> int:
    """How long a stopping intake lets running requests finish (whole seconds, as uvicorn
    takes it): past the request deadline (``request_timeout_s``), so every request has had
    its answer (at worst the 504) when the time is up."""
    return max(GRACEFUL_SHUTDOWN_S, math.ceil(request_timeout_s + GRACE_MARGIN_S))


class Drain:
    """Whether the intake is stopping, and until when running work may go on."""

    def __init__(self, grace_s: float) -> None:
        self.grace_s = grace_s
        self._since: float | None = None

    @property
    def draining(self) -> bool:
        return self._since is not None

    def begin(self) -> None:
        """Refuse new work from now on (called from the signal handler: no locks, no I/O)."""
        if self._since is None:
            self._since = time.monotonic()

    def remaining_s(self) -> float:
        """Seconds left of the grace period (all of it when the drain has not begun)."""
        if self._since is None:
            return self.grace_s
        return max(0.0, self._since + self.grace_s - time.monotonic())


class DrainMiddleware:
    """Answers every HTTP request that arrives during the drain with a JSON 503."""

    def __init__(self, app: ASGIApp, drain: Drain) -> None:
        self.app = app
        self.drain = drain

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.drain.draining:
            await self.app(scope, receive, send)
            return
        response = shutting_down_response(REFUSED_MESSAGE)
        await response(scope, receive, send)


def shutting_down_response(message: str) -> JSONResponse:
    """``503 shutting_down`` with ``Retry-After``; the connection closes after it."""
    return error_response(
        503,
        SHUTTING_DOWN,
        message,
        headers={"Retry-After": str(RETRY_AFTER_S), "Connection": "close"},
    )


async def settle(store: IdempotencyStore, *, timeout_s: float, poll_s: float = 0.05) -> int:
    """Wait up to ``timeout_s`` for the requests holding an idempotency key to answer, then
    release the keys still held (their work dies with the process). Returns how many."""
    deadline = time.monotonic() + timeout_s
    if store.held():
        logger.info("waiting for %d request(s) holding an Idempotency-Key", store.held())
    while store.held() and time.monotonic() < deadline:
        await asyncio.sleep(poll_s)
    released = store.release_held()
    if released:
        logger.warning(
            "released %d Idempotency-Key(s) of requests still running at shutdown", released
        )
    return released
