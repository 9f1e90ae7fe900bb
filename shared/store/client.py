"""One Redis client per process, with explicit timeouts and a bounded pool, and the one
translation of its failures into :class:`~shared.errors.StoreUnavailableError`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import redis

from shared.errors import StoreUnavailableError
from shared.settings import Settings

_T = TypeVar("_T")


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


DURABILITY_ADVICE = (
    "a Redis restart then loses every stored claim, article, verdict stream entry, API key "
    "and idempotency record; run Redis with appendonly yes and appendfsync everysec, plus "
    "a replica or Sentinel for failover (docs/operations.md: Running Redis in production)"
)


def durability_warning(client: redis.Redis) -> str | None:
    """A warning when the Redis behind ``client`` keeps no append-only file; None when it
    does, or when it will not say (managed services often refuse ``CONFIG GET``)."""
    try:
        config = client.config_get("appendonly")
    except redis.RedisError:
        return None
    value = config.get("appendonly") if isinstance(config, dict) else None
    if value is None or str(value).lower() == "yes":
        return None
    return f"Redis has appendonly off: {DURABILITY_ADVICE}"


@contextmanager
def store_errors(what: str) -> Iterator[None]:
    """Redis failures inside the block raised as :class:`StoreUnavailableError`
    ("could not <what>: <the error>"): the one translation of the store's errors."""
    try:
        yield
    except redis.RedisError as exc:
        raise StoreUnavailableError(f"could not {what}: {exc}") from exc


def redis_call(call: Callable[[], _T], what: str) -> _T:
    """Run one Redis call under :func:`store_errors`."""
    with store_errors(what):
        return call()
