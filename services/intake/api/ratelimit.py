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

from services.intake.api.errors import ApiError
from shared.errors import StoreUnavailableError
from shared.settings import Settings

WINDOW_S = 60

# KEYS: counter; ARGV: amount, limit, expiry ms. Returns {allowed 0/1, count}.
_TAKE = """
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if n == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
if n > tonumber(ARGV[2]) then
  redis.call('DECRBY', KEYS[1], ARGV[1])
  return {0, n - tonumber(ARGV[1])}
end
return {1, n}
"""


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
        self._take = client.register_script(_TAKE)
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
        raise ApiError(
            429,
            "rate_limited",
            f"{what} would pass this key's limit of {limit} {kind} per minute; "
            f"retry in {decision.retry_after_s} s",
            headers={"Retry-After": str(decision.retry_after_s)},
        )

    def check_request(self, key_id: str) -> None:
        """Count one request; 429 with Retry-After when the key is over its limit."""
        self._enforce("requests", key_id, 1, "this request")

    def check_claims(self, key_id: str, count: int) -> None:
        """Count ``count`` claims about to be queued; 429 when they would pass the limit."""
        self._enforce("claims", key_id, count, f"queuing {count} claim(s)")
