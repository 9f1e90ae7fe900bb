"""``GET /v1/stream`` (server-sent events from the verdict stream) and the ``/dashboard`` page.

Each browser follows the stream with plain ``XREAD`` from its own position (the SSE
``Last-Event-ID``), so every client sees every entry it may see, in order, and resumes
after a reconnect without gaps or duplicates. Each open stream holds one connection of
the async Redis pool only while its ``XREAD`` blocks (at most :data:`BLOCK_MS`). When the
client goes away, Starlette cancels the response (under uvicorn at once: it listens for
the disconnect), which interrupts the blocking ``XREAD`` and puts the connection back; a
server that reports disconnects only on write (ASGI 2.4) notices at the next keep-alive.

A stream opened with a stored key checks every :data:`KEY_RECHECK_S` seconds that the key
still exists, and ends when it was revoked (the client's reconnect then gets 401), so a
revocation ends the key's streams too. Streams are capped per process and per newsroom.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import redis.asyncio as aioredis
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from redis.exceptions import RedisError
from starlette.types import Receive, Scope, Send

from services.intake.api.auth import STATIC_KEY_ID_PREFIX, Owner
from services.intake.api.error_answers import ApiError
from shared.store.keys import Keys
from shared.store.streams import StreamEntry, decode_entry

logger = logging.getLogger(__name__)

BLOCK_MS = 1000
"""Longest single XREAD wait: how late a vanished client is noticed, at worst."""
KEY_RECHECK_S = 2.0
"""How often an open stream checks that its stored key was not revoked."""
RETRY_MS = 2000
"""The reconnection delay the stream asks for (`retry:`, sent with its first event)."""
_MAX_ID_PART = 2**64 - 1
READ_COUNT = 200
MAX_BACKLOG = 1000
DASHBOARD_DIR = Path(__file__).resolve().parents[1] / "dashboard"
_DASHBOARD_FILES = {
    "app.js": "text/javascript; charset=utf-8",
    "common.js": "text/javascript; charset=utf-8",
    "review.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}
DASHBOARD_HEADERS = {
    "Cache-Control": "no-cache",
    # the page runs only its own script and style, talks only to this intake, and is
    # never framed; every text is set as text (see the dashboard scripts): nothing inline
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_STREAM_ID = re.compile(r"^\d{1,20}(-\d{1,20})?$")

router = APIRouter(tags=["stream"])


@dataclass(frozen=True)
class StreamConfig:
    """What the SSE endpoint needs of the settings
    (:func:`services.intake.api.components.stream_config`)."""

    verdict_stream: str
    key_prefix: str
    keepalive_s: float = 15.0
    max_clients: int = 500
    max_clients_per_newsroom: int = 50


class StreamHub:
    """The SSE endpoint's async Redis client (one pool per process) and its client count."""

    def __init__(self, config: StreamConfig, client: aioredis.Redis) -> None:
        self.config = config
        self.redis = client
        self._api_keys = Keys(config.key_prefix).api_keys()
        self.active = 0
        self.by_newsroom: dict[str | None, int] = {}
        self.closing = False
        """Set when the server is asked to stop: every open stream ends within a second."""

    def try_acquire(self, newsroom: str | None = None) -> str | None:
        """Take a client slot; None when taken, else why not (for the 503)."""
        if self.active >= self.config.max_clients:
            return "too many open streams; retry later"
        held = self.by_newsroom.get(newsroom, 0)
        if newsroom is not None and held >= self.config.max_clients_per_newsroom:
            return (
                f"this newsroom already has {held} open streams "
                "(CLAIMCHECK_SSE_MAX_CLIENTS_PER_NEWSROOM); close one or retry later"
            )
        self.active += 1
        self.by_newsroom[newsroom] = held + 1
        return None

    def release(self, newsroom: str | None = None) -> None:
        self.active -= 1
        self.by_newsroom[newsroom] = self.by_newsroom.get(newsroom, 1) - 1
        if self.by_newsroom[newsroom] <= 0:
            del self.by_newsroom[newsroom]

    async def key_exists(self, key_id: str) -> bool:
        """Whether the stored key ``key_id`` is still there (not revoked)."""
        return bool(await self.redis.hexists(self._api_keys, key_id))


def visible(entry: StreamEntry, newsroom: str | None, article_id: str | None) -> bool:
    """Tenancy and the article filter: with authentication on (``newsroom`` set) a caller
    sees only entries whose ``newsroom`` is theirs."""
    if newsroom is not None and entry.data.get("newsroom") != newsroom:
        return False
    return article_id is None or entry.data.get("article_id") == article_id


def format_event(entry: StreamEntry) -> str:
    """One SSE event: id = the stream id, event = the entry type, data = its JSON."""
    data = json.dumps(entry.data, ensure_ascii=False, separators=(",", ":"))
    return f"id: {entry.stream_id}\nevent: {entry.type}\ndata: {data}\n\n"


class _EventStreamResponse(StreamingResponse):
    """Gives the client slot back however the response ends (even before it started)."""

    def __init__(self, content: AsyncIterator[str], release: Callable[[], None]) -> None:
        super().__init__(
            content,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


async def _start_cursor(hub: StreamHub, resume_from: str | None, backlog: int) -> str:
    """XREAD returns entries after the cursor: the resume id, before the backlog, or now."""
    if resume_from is not None:
        return resume_from
    stream = hub.config.verdict_stream
    rows: list[Any] = await hub.redis.xrevrange(stream, count=backlog + 1)
    if backlog and len(rows) <= backlog:
        return "0-0"
    return str(rows[-1][0]) if rows else "0-0"


async def _events(
    hub: StreamHub,
    cursor: str,
    newsroom: str | None,
    article_id: str | None,
    stored_key_id: str | None = None,
) -> AsyncIterator[str]:
    stream = hub.config.verdict_stream
    keepalive = hub.config.keepalive_s
    # the keep-alive period lets a client tell a silent stream from a dead connection; only
    # comments before the first event: a block with a field but no data (a lone `retry:`)
    # is an empty event to some clients (httpx-sse), so `retry:` rides on the first event
    yield f": connected\n: keep-alive every {keepalive:g} s\n\n"
    retry = f"retry: {RETRY_MS}\n"
    quiet_since = checked_at = time.monotonic()
    while not hub.closing:
        if stored_key_id is not None and time.monotonic() - checked_at >= KEY_RECHECK_S:
            checked_at = time.monotonic()
            if not await _key_still_valid(hub, stored_key_id):
                yield "event: revoked\ndata: {}\n\n"
                return
        try:
            reply: list[Any] = await hub.redis.xread(
                {stream: cursor}, count=READ_COUNT, block=BLOCK_MS
            )
        except RedisError as exc:  # end the response: the client resumes from its last id
            logger.warning("closing an event stream: reading Redis failed: %s", exc)
            return
        cursor, chunks = _visible_events(reply, cursor, newsroom, article_id)
        now = time.monotonic()
        if chunks and stored_key_id is not None:  # nothing leaves after a revocation
            checked_at = now
            if not await _key_still_valid(hub, stored_key_id):
                yield "event: revoked\ndata: {}\n\n"
                return
        if chunks:
            yield retry + "".join(chunks)
            retry = ""
            quiet_since = now
        elif now - quiet_since >= keepalive:
            yield ": keep-alive\n\n"
            quiet_since = now


def _visible_events(
    reply: list[Any] | None, cursor: str, newsroom: str | None, article_id: str | None
) -> tuple[str, list[str]]:
    """The new cursor and the events of an XREAD reply this client may see."""
    chunks: list[str] = []
    for _name, rows in reply or []:
        for stream_id, fields in rows:
            cursor = str(stream_id)
            try:
                entry = decode_entry(cursor, fields)
            except ValueError as exc:
                logger.warning("skipping a malformed stream entry: %s", exc)
                continue
            if visible(entry, newsroom, article_id):
                chunks.append(format_event(entry))
    return cursor, chunks


async def _key_still_valid(hub: StreamHub, key_id: str) -> bool:
    try:
        if await hub.key_exists(key_id):
            return True
    except RedisError as exc:
        logger.warning("closing an event stream: checking its key failed: %s", exc)
        return False
    logger.info("closing an event stream: its key was revoked")
    return False


@router.get(
    "/v1/stream",
    summary="Verdicts, reviews and article.completed entries as server-sent events",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "the event stream"},
        401: {"description": "missing or invalid X-API-Key"},
        503: {"description": "too many open streams (CLAIMCHECK_SSE_MAX_CLIENTS)"},
    },
)
async def stream_events(
    request: Request,
    owner: Owner,
    article_id: Annotated[str | None, Query(description="only this article's entries")] = None,
    backlog: Annotated[
        int, Query(ge=0, le=MAX_BACKLOG, description="start with the last N stream entries")
    ] = 0,
    last_event_id_query: Annotated[
        str | None,
        Query(alias="last_event_id", description="resume after this id (as Last-Event-ID)"),
    ] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> Response:
    """``id`` is the Redis stream id, ``event`` the entry type (``verdict``,
    ``verdict.reviewed``, ``article.completed``), ``data`` its JSON; a comment is sent after
    ``CLAIMCHECK_SSE_KEEPALIVE_S`` seconds of silence."""
    hub: StreamHub = request.app.state.streams
    resume_from = last_event_id or last_event_id_query
    if resume_from is not None and not valid_stream_id(resume_from):
        raise ApiError(422, "validation_error", "not a stream id", field="Last-Event-ID")
    newsroom = owner.newsroom if owner else None
    refused = hub.try_acquire(newsroom)
    if refused is not None:
        raise ApiError(503, "too_many_streams", refused, field=None)
    try:
        cursor = await _start_cursor(hub, resume_from, backlog)
    except BaseException:
        hub.release(newsroom)
        raise
    released = False

    def release() -> None:
        nonlocal released
        if not released:
            released = True
            hub.release(newsroom)

    stored = owner.key_id if owner and not owner.key_id.startswith(STATIC_KEY_ID_PREFIX) else None
    return _EventStreamResponse(_events(hub, cursor, newsroom, article_id, stored), release)


def valid_stream_id(value: str) -> bool:
    """``<ms>`` or ``<ms>-<seq>``, each part a 64-bit unsigned number as Redis has them."""
    return bool(_STREAM_ID.match(value)) and all(
        int(part) <= _MAX_ID_PART for part in value.split("-")
    )


@router.get("/dashboard", include_in_schema=False)
async def dashboard() -> FileResponse:
    return FileResponse(DASHBOARD_DIR / "index.html", headers=DASHBOARD_HEADERS)


@router.get("/dashboard/{name}", include_in_schema=False)
async def dashboard_asset(name: str) -> FileResponse:
    media_type = _DASHBOARD_FILES.get(name)
    if media_type is None:
        raise ApiError(404, "not_found", f"no dashboard file {name!r}")
    return FileResponse(DASHBOARD_DIR / name, media_type=media_type, headers=DASHBOARD_HEADERS)
