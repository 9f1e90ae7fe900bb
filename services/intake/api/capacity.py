"""Admission control: refuse new work before Redis runs out of memory.

Redis with ``maxmemory`` and the ``noeviction`` policy refuses writes once it is full,
and that would include the verdicts of claims already accepted. The intake therefore
stops accepting at ``intake_max_memory_fraction`` of ``maxmemory``, which keeps the rest
for the work in flight. Redis without a ``maxmemory`` is never refused here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import redis

from shared.errors import OverCapacityError
from shared.store.client import store_errors

OVER_CAPACITY_RETRY_AFTER_S = 5.0


class MemoryGuard:
    """Reads ``INFO memory`` at most every ``interval_s`` and refuses work above the limit."""

    def __init__(
        self,
        client: redis.Redis,
        fraction: float,
        *,
        interval_s: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._redis = client
        self._fraction = fraction
        self._interval = interval_s
        self._clock = clock
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self._usage: tuple[int, int] = (0, 0)

    def usage(self) -> tuple[int, int]:
        """``(used_memory, maxmemory)`` in bytes (maxmemory 0: no limit), cached briefly."""
        with self._lock:
            now = self._clock()
            if now - self._checked_at < self._interval:
                return self._usage
            # this caller asks Redis; the others use the last reading meanwhile (and do not
            # queue up behind a slow or dead Redis, one socket timeout each)
            self._checked_at = now
        with store_errors("read Redis memory"):
            info = self._redis.info("memory")
        usage = (int(info.get("used_memory", 0)), int(info.get("maxmemory", 0)))
        with self._lock:
            self._usage = usage
        return usage

    def check(self) -> None:
        """Raise :class:`OverCapacityError` when Redis is too full to take new work."""
        used, limit = self.usage()
        if limit > 0 and used >= self._fraction * limit:
            raise OverCapacityError(
                f"Redis uses {used} of its {limit} bytes (limit for new work: "
                f"{self._fraction:.0%}); new work is refused until the backlog drains",
                retry_after=OVER_CAPACITY_RETRY_AFTER_S,
            )


def is_out_of_memory(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) is Redis refusing a write at maxmemory."""
    seen: BaseException | None = exc
    for _ in range(10):  # a chain of causes, never followed around a cycle
        if seen is None:
            break
        if isinstance(seen, OverCapacityError | redis.exceptions.OutOfMemoryError):
            return True
        if isinstance(seen, redis.ResponseError) and str(seen).startswith("OOM"):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
