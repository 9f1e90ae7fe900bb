"""A bound on the request head (request line and headers), answered 431 in JSON.

uvicorn's h11 parser stops buffering a head that is still incomplete past
:data:`MAX_HEADER_BYTES` (h11 raises with ``error_status_hint`` 431, which uvicorn would
answer with its own plain-text 400: :class:`H11HeadLimitProtocol` answers the JSON 431
instead, and closes the connection), but it accepts a longer head that arrived whole in one
read. :class:`HeaderLimitMiddleware` measures every head that got through and refuses one
over the limit before any route, authentication included, looks at it. Which of the two
answers depends only on how the head was cut into reads; the answer is the same.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

import h11
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from services.intake.api.error_answers import error_response
from shared.schemas import ErrorBody

MAX_HEADER_BYTES: Final = 64 * 1024
"""Most bytes of request line and headers together."""
TOO_LARGE: Final = "request_header_fields_too_large"


def _too_large_message(limit: int) -> str:
    return f"the request line and headers exceed {limit // 1024} KiB"


def head_size(scope: Scope) -> int:
    """About the bytes of the request head: its target and every ``name: value`` line."""
    target = len(scope.get("raw_path") or scope.get("path", "").encode()) + len(
        scope.get("query_string", b"")
    )
    return target + sum(len(name) + len(value) + 4 for name, value in scope.get("headers", ()))


class HeaderLimitMiddleware:
    """``431 request_header_fields_too_large`` for a head over ``limit`` bytes."""

    def __init__(self, app: ASGIApp, limit: int = MAX_HEADER_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and head_size(scope) > self.limit:
            response = error_response(
                431, TOO_LARGE, _too_large_message(self.limit), headers={"Connection": "close"}
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class _Connection(h11.Connection):
    """h11's server connection, keeping the protocol error it raised (uvicorn keeps only
    that there was one)."""

    error: h11.RemoteProtocolError | None = None

    def next_event(self) -> Any:
        try:
            return super().next_event()
        except h11.RemoteProtocolError as exc:
            self.error = exc
            raise


class H11HeadLimitProtocol(H11Protocol):
    """uvicorn's h11 protocol, answering a head h11 stopped buffering (incomplete past
    ``h11_max_incomplete_event_size``, :data:`MAX_HEADER_BYTES` under ``claimcheck serve``)
    with the middleware's JSON 431; every other malformed request keeps uvicorn's 400."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.head_limit: int = config.h11_max_incomplete_event_size or MAX_HEADER_BYTES
        self.head_conn = _Connection(h11.SERVER, self.head_limit)
        self.conn = self.head_conn

    def send_400_response(self, msg: str) -> None:
        error = self.head_conn.error
        if error is None or error.error_status_hint != 431:
            super().send_400_response(msg)
            return
        body = ErrorBody(error=TOO_LARGE, message=_too_large_message(self.head_limit))
        data = body.model_dump_json().encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(data)).encode()),
            (b"connection", b"close"),
        ]
        reason = b"Request Header Fields Too Large"
        response = h11.Response(status_code=431, headers=headers, reason=reason)
        self.transport.write(self.conn.send(response))
        self.transport.write(self.conn.send(h11.Data(data=data)))
        self.transport.write(self.conn.send(h11.EndOfMessage()))
        self.transport.close()
