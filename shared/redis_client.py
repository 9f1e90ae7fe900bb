"""One Redis client per process, with explicit timeouts and a bounded pool."""

from __future__ import annotations

import redis

from shared.settings import Settings


def make_redis(settings: Settings, *, url: str | None = None) -> redis.Redis:
    """Build the process's Redis client (``url``: another Redis than ``redis_url``, e.g.
    the broker's); the caller closes it on shutdown."""
    pool = redis.ConnectionPool.from_url(
        url or settings.redis_url,
        max_connections=settings.redis_max_connections,
        socket_timeout=settings.redis_socket_timeout_s,
        socket_connect_timeout=settings.redis_connect_timeout_s,
        health_check_interval=30,
        decode_responses=True,
    )
    return redis.Redis(connection_pool=pool)
