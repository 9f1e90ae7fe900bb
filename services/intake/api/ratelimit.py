"""Rate limits in Redis, shared by every intake process.

Fixed one-minute windows: the counter ``{prefix}:rl:{kind}:{subject}:{window}``
(:meth:`shared.store.keys.Keys.rate_limit`) is raised by one Lua script that refuses (and takes
back) an increment that would pass the limit, so a refused request or article uses up
nothing. The subject of the newsroom limits is the newsroom, not the key, so a newsroom
with three keys has one budget:

* ``requests``: API requests;
* ``claims``: claims queued (an article counts as many claims as it queues);
* ``chars``: characters of text read by the extractor (an article with no claim still
  costs the CPU time of reading it).

``auth_failures`` counts failed authentications per client address; past the limit an
address is refused (429) before its key is even looked at, so guessing keys stops.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, ClassVar

import redis

from shared.errors import ClaimcheckError, StoreUnavailableError
from shared.store.keys import Keys
from shared.store.lua import ARG, KEY, Script, ScriptCall

WINDOW_S = 60

_LUA = "services.intake.api.lua"
"""The package holding ``rate_limit_take.lua`` (:func:`shared.store.lua.read_script`)."""


@dataclass(frozen=True, kw_only=True)
class TakeCall(ScriptCall):
    """``rate_limit_take.lua``: count an amount unless that would pass the limit."""

    SCRIPT: ClassVar[tuple[str, str]] = (_LUA, "rate_limit_take.lua")
    counter: Annotated[str, KEY]
    amount: Annotated[int, ARG]
    limit: Annotated[int, ARG]
    expiry_ms: Annotated[int, ARG]


class RateLimited(ClaimcheckError):
    """A newsroom (or an address) is over one of its limits; nothing was counted. The HTTP
    layer answers 429.

    ``limit`` names the limit (``requests``, ``claims``, ``chars``, ``auth_failures`` or
    ``extraction``); ``retry_after_s`` is the number of seconds until it may try again.
    """

    def __init__(self, message: str, *, limit: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.limit = limit
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class RateLimits:
    """Per-minute limits (0: unlimited) and the key prefix of their counters
    (:func:`services.intake.api.components.rate_limits` reads them from the settings)."""

    key_prefix: str
    requests: int = 0
    claims: int = 0
    chars: int = 0
    auth_failures: int = 0


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    retry_after_s: int


class RateLimiter:
    """Requests, claims and characters per newsroom and minute, failed authentications per
    address and minute; a limit of 0 means unlimited."""

    def __init__(
        self,
        client: redis.Redis,
        limits: RateLimits,
        *,
        clock: Callable[[], float] = time.time,
        on_refused: Callable[[str], None] | None = None,
    ) -> None:
        self._keys = Keys(limits.key_prefix)
        self._limits = {
            "requests": limits.requests,
            "claims": limits.claims,
            "chars": limits.chars,
            "auth_failures": limits.auth_failures,
        }
        self._client = client
        self._take = Script(client, TakeCall)
        self._clock = clock
        self._on_refused = on_refused

    def _window(self) -> tuple[int, int]:
        now = self._clock()
        window = int(now // WINDOW_S)
        return window, max(1, math.ceil((window + 1) * WINDOW_S - now))

    def take(self, kind: str, subject: str, amount: int = 1) -> Decision:
        """Count ``amount`` against ``subject``'s ``kind`` limit unless that would pass it."""
        limit = self._limits[kind]
        window, retry_after = self._window()
        if limit <= 0 or amount <= 0:
            return Decision(True, 0, retry_after)
        key = self._keys.rate_limit(kind, subject, window)
        try:
            call = TakeCall(
                counter=key, amount=amount, limit=limit, expiry_ms=(WINDOW_S + 5) * 1000
            )
            allowed, count = self._take(call)
        except redis.RedisError as exc:
            raise StoreUnavailableError(f"rate limiter unavailable: {exc}") from exc
        return Decision(bool(int(allowed)), int(count), retry_after)

    def _enforce(self, kind: str, subject: str, amount: int, what: str) -> None:
        decision = self.take(kind, subject, amount)
        if decision.allowed:
            return
        if self._on_refused is not None:
            self._on_refused(kind)
        limit = self._limits[kind]
        unit = {"chars": "characters"}.get(kind, kind)
        raise RateLimited(
            f"{what} would pass this newsroom's limit of {limit} {unit} per minute; "
            f"retry in {decision.retry_after_s} s",
            limit=kind,
            retry_after_s=decision.retry_after_s,
        )

    def check_request(self, newsroom: str) -> None:
        """Count one request; raise :class:`RateLimited` when the newsroom is over its limit."""
        self._enforce("requests", newsroom, 1, "this request")

    def check_claims(self, newsroom: str, count: int) -> None:
        """Count ``count`` claims about to be queued; :class:`RateLimited` if over the limit."""
        self._enforce("claims", newsroom, count, f"queuing {count} claim(s)")

    def check_chars(self, newsroom: str, count: int) -> None:
        """Count ``count`` characters about to be read; :class:`RateLimited` if over."""
        self._enforce("chars", newsroom, count, f"reading {count} characters")

    def check_address(self, address: str) -> None:
        """Refuse an address that failed authentication too often this minute."""
        limit = self._limits["auth_failures"]
        if limit <= 0:
            return
        window, retry_after = self._window()
        try:
            key = self._keys.rate_limit("auth_failures", address, window)
            failures = self._client.get(key)
        except redis.RedisError as exc:
            raise StoreUnavailableError(f"rate limiter unavailable: {exc}") from exc
        if failures is not None and int(failures) >= limit:
            if self._on_refused is not None:
                self._on_refused("auth_failures")
            raise RateLimited(
                f"too many failed authentications from this address ({limit} per minute); "
                f"retry in {retry_after} s",
                limit="auth_failures",
                retry_after_s=retry_after,
            )

    def count_auth_failure(self, address: str) -> None:
        """Count one failed authentication of ``address``."""
        self.take("auth_failures", address)
