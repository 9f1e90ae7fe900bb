"""Per-key rate limits in Redis, shared by every intake process.

Fixed one-minute windows: the counter ``{prefix}:rl:{kind}:{key_id}:{window}`` is raised by
one Lua script that refuses (and takes back) an increment that would pass the limit, so a
refused request or article uses up nothing. Two limits: API requests, and claims queued
(an article counts as many claims as it queues).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis

from shared.errors import ClaimcheckError, StoreUnavailableError
from shared.lua import read_script
from shared.settings import Settings

WINDOW_S = 60

_LUA = "services.intake.api.lua"
"""The package holding ``rate_limit_take.lua`` (:func:`shared.lua.read_script`)."""


class RateLimited(ClaimcheckError):
    """A key is over one of its limits; nothing was counted. The HTTP layer answers 429.

    ``limit`` names the limit (``requests`` or ``claims``); ``retry_after_s`` is the number
    of seconds until the next window starts.
    """

    def __init__(self, message: str, *, limit: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.limit = limit
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    retry_after_s: int


class RateLimiter:
    """Requests and claims per key and minute; a limit of 0 means unlimited."""

    def __init__(
        self,
        client: redis.Redis,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.time,
        on_refused: Callable[[str], None] | None = None,
    ) -> None:
        self._prefix = f"{settings.key_prefix}:rl"
        self._limits = {
            "requests": settings.rate_limit_requests_per_min,
            "claims": settings.rate_limit_claims_per_min,
        }
        self._take = client.register_script(read_script(_LUA, "rate_limit_take.lua"))
        self._clock = clock
        self._on_refused = on_refused

    def take(self, kind: str, key_id: str, amount: int = 1) -> Decision:
        """Count ``amount`` against ``key_id``'s ``kind`` limit unless that would pass it."""
        limit = self._limits[kind]
        now = self._clock()
        window = int(now // WINDOW_S)
        retry_after = max(1, math.ceil((window + 1) * WINDOW_S - now))
        if limit <= 0 or amount <= 0:
            return Decision(True, 0, retry_after)
        key = f"{self._prefix}:{kind}:{key_id}:{window}"
        try:
            allowed, count = self._take(keys=[key], args=[amount, limit, (WINDOW_S + 5) * 1000])
        except redis.RedisError as exc:
            raise StoreUnavailableError(f"rate limiter unavailable: {exc}") from exc
        return Decision(bool(int(allowed)), int(count), retry_after)

    def _enforce(self, kind: str, key_id: str, amount: int, what: str) -> None:
        decision = self.take(kind, key_id, amount)
        if decision.allowed:
            return
        if self._on_refused is not None:
            self._on_refused(kind)
        limit = self._limits[kind]
        raise RateLimited(
            f"{what} would pass this key's limit of {limit} {kind} per minute; "
            f"retry in {decision.retry_after_s} s",
            limit=kind,
            retry_after_s=decision.retry_after_s,
        )

    def check_request(self, key_id: str) -> None:
        """Count one request; raise :class:`RateLimited` when the key is over its limit."""
        self._enforce("requests", key_id, 1, "this request")

    def check_claims(self, key_id: str, count: int) -> None:
        """Count ``count`` claims about to be queued; :class:`RateLimited` if over the limit."""
        self._enforce("claims", key_id, count, f"queuing {count} claim(s)")
