"""A bound on the request head (request line and headers), answered 431 in JSON.

uvicorn's h11 parser stops buffering a head that is still incomplete past
:data:`MAX_HEADER_BYTES` (answered with its own plain 400 and the connection closed), but
it accepts a longer head that arrived whole in one read. :class:`HeaderLimitMiddleware`
measures every head that got through and refuses one over the limit before any route,
authentication included, looks at it.
"""

from __future__ import annotations

from typing import Final

from starlette.types import ASGIApp, Receive, Scope, Send

from services.intake.api.errors import error_response

MAX_HEADER_BYTES: Final = 64 * 1024
"""Most bytes of request line and headers together."""


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
                431,
                "request_header_fields_too_large",
                f"the request line and headers exceed {self.limit // 1024} KiB",
                headers={"Connection": "close"},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
