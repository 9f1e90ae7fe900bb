"""A deadline on every request: no answer within ``CLAIMCHECK_REQUEST_TIMEOUT_S`` → 504.

The deadline covers the time until the response starts. A response that has started
(a Server-Sent Events stream, say) runs on; the client sees its headers in time.
Blocking work that was handed to a thread cannot be interrupted: it finishes in the
background, but the client gets its 504 on time.

A request the server itself cancels (still running when a stopping intake's grace period
ends) is answered ``503 shutting_down`` in JSON rather than uvicorn's plain-text 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.intake.api.shutdown import CUT_MESSAGE, shutting_down_response

logger = logging.getLogger(__name__)


class TimeoutMiddleware:
    """Answers ``504 {"error": "timeout", ...}`` when the app has not started answering."""

    def __init__(
        self, app: ASGIApp, timeout_s: float, on_timeout: Callable[[], None] | None = None
    ) -> None:
        self.app = app
        self.timeout_s = timeout_s
        self.on_timeout = on_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = asyncio.Event()

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.set()
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, send_and_note))
        waiter = asyncio.ensure_future(started.wait())
        try:
            await asyncio.wait(
                {task, waiter}, timeout=self.timeout_s, return_when="FIRST_COMPLETED"
            )
        except BaseException:  # we were cancelled (server shutting down): so is the request
            task.cancel()
            if not started.is_set():
                with contextlib.suppress(Exception):  # the client may be gone already
                    await shutting_down_response(CUT_MESSAGE)(scope, receive, send)
            raise
        finally:
            waiter.cancel()
        if task.done() or started.is_set():
            await task  # finished, or answering: let it run to the end (and re-raise)
            return
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        except Exception:  # the app failed while being cancelled; the client gets the 504
            logger.exception("request failed while it was being timed out")
        if started.is_set():  # it began answering at the very last moment
            return
        logger.warning(
            "answering 504: %s %s took more than %.1f s",
            scope.get("method"),
            scope.get("path"),
            self.timeout_s,
        )
        if self.on_timeout is not None:
            self.on_timeout()
        body = json.dumps(
            {
                "error": "timeout",
                "message": f"the request took more than {self.timeout_s:g} s",
                "field": None,
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 504,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
