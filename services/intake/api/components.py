"""The intake's components, configured from the settings: part of the intake's root.

Only the process roots read :class:`~shared.settings.Settings` (``tests/test_architecture.py``
keeps it so). The intake's components (authentication, body checks, rate limits, the event
stream) take small configs, built here from the settings by the intake's root
(:mod:`services.intake.api.app`, :mod:`services.intake.api.context`,
:mod:`services.intake.api.server`). The configs of the components every process shares are
built in :mod:`shared.settings_configs`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis

from services.intake.api.auth import AuthConfig
from services.intake.api.body import RequestLimits
from services.intake.api.bootstrap_keys import BootstrapKeys
from services.intake.api.ratelimit import RateLimits
from services.intake.api.routes.stream import BLOCK_MS, StreamConfig, StreamHub
from services.intake.api.shutdown import grace_period_s
from shared.settings import Settings


def bootstrap_keys(settings: Settings) -> BootstrapKeys:
    """``CLAIMCHECK_API_KEYS`` and ``CLAIMCHECK_ADMIN_KEY``, checked when authentication is on
    (raises :class:`~shared.errors.ConfigurationError` naming the first bad variable)."""
    keys = BootstrapKeys(newsrooms=dict(settings.api_keys), admin=settings.admin_key)
    if settings.auth_enabled:
        keys.check(allow_insecure=settings.allow_insecure_keys)
    return keys


def auth_config(settings: Settings) -> AuthConfig:
    """Whether requests need a key, and the admin key (None: no admin API)."""
    return AuthConfig(enabled=settings.auth_enabled, admin_key=settings.admin_key)


def request_limits(settings: Settings) -> RequestLimits:
    """The longest text and the most claims of one article the intake accepts."""
    return RequestLimits(
        max_text_chars=settings.max_text_chars,
        max_claims_per_article=settings.max_claims_per_article,
    )


def rate_limits(settings: Settings) -> RateLimits:
    """The per-minute limits (``CLAIMCHECK_RATE_LIMIT_*``, ``CLAIMCHECK_AUTH_FAILURES_PER_MIN``)."""
    return RateLimits(
        key_prefix=settings.key_prefix,
        requests=settings.rate_limit_requests_per_min,
        claims=settings.rate_limit_claims_per_min,
        chars=settings.rate_limit_chars_per_min,
        auth_failures=settings.auth_failures_per_min,
    )


def stream_config(settings: Settings) -> StreamConfig:
    """The verdict stream the SSE endpoint reads, its keep-alives and client caps."""
    return StreamConfig(
        verdict_stream=settings.verdict_stream,
        key_prefix=settings.key_prefix,
        keepalive_s=settings.sse_keepalive_s,
        max_clients=settings.sse_max_clients,
        max_clients_per_newsroom=settings.sse_max_clients_per_newsroom,
    )


def shutdown_grace_s(settings: Settings) -> int:
    """How long a stopping intake lets running requests finish (past the request deadline)."""
    return grace_period_s(settings.request_timeout_s)


@asynccontextmanager
async def open_stream_hub(settings: Settings) -> AsyncIterator[StreamHub]:
    """Make the SSE endpoint's async Redis pool at startup, close it at shutdown (the app's
    lifespan enters this)."""
    pool = aioredis.BlockingConnectionPool.from_url(
        settings.redis_url,
        max_connections=settings.sse_max_clients + 2,
        timeout=settings.redis_connect_timeout_s,
        socket_timeout=settings.redis_socket_timeout_s + BLOCK_MS / 1000,
        socket_connect_timeout=settings.redis_connect_timeout_s,
        decode_responses=True,
        client_name=f"{settings.key_prefix}-sse",
    )
    client = aioredis.Redis(connection_pool=pool)
    try:
        yield StreamHub(stream_config(settings), client)
    finally:
        await client.aclose()
        await pool.disconnect()
