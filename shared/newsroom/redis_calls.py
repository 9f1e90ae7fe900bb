"""Redis calls of the newsroom's memory, their failures as :class:`StoreUnavailableError`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import redis

from shared.errors import StoreUnavailableError

_T = TypeVar("_T")


def redis_call(call: Callable[[], _T], what: str) -> _T:
    """Run a Redis call, turning its failures into :class:`StoreUnavailableError`."""
    try:
        return call()
    except redis.RedisError as exc:
        raise StoreUnavailableError(f"could not {what}: {exc}") from exc
