"""What every source gets around it: time budget, retries, circuit breaker, limit, cache.

:class:`ResilientSource` wraps any :class:`~workers.sources.base.Source`. One search:

1. **Cache**: an answer stored in Redis under the source name and the normalised claim
   (casefolded, whitespace collapsed) is returned as is; successful answers are stored
   with ``CLAIMCHECK_SOURCE_CACHE_TTL_S`` (local sources are never cached). A Redis
   failure only skips the cache.
2. **Circuit breaker** (per source and worker process): after ``CLAIMCHECK_CIRCUIT_FAILURES``
   consecutive searches that ended in a transient failure the circuit opens and searches
   fail at once with "circuit open"; after ``CLAIMCHECK_CIRCUIT_RESET_S`` one trial search
   goes through (half-open): success closes the circuit, failure opens it again. It is
   kept per process on purpose: no Redis round trip on the hot path, no shared state to
   go stale when a worker dies, and each process learns of an outage after a handful of
   fast failures anyway.
3. **Concurrency limit**: at most ``CLAIMCHECK_SOURCE_CONCURRENCY`` searches of the source
   at once in this process (a semaphore); a search that cannot get a slot within its time
   budget fails transiently.
4. **Time budget and retries**: the whole search, retries included, must finish within the
   source's timeout. Transient errors are retried up to ``CLAIMCHECK_SOURCE_RETRIES`` times
   after a delay drawn uniformly from ``[0, min(max, base * 2**n)]`` (full jitter), never
   shorter than the source's ``Retry-After``. When the delay would end past the budget the
   search gives up at once with the last error, so a claim is never held much longer than
   the source's timeout. Permanent errors are never retried.

Sources that accept a ``timeout_s`` keyword (the HTTP ones) get the time left in the
budget for each attempt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import redis

from shared.errors import TransientSourceError
from shared.settings import Settings
from workers import metrics
from workers.sources.base import Passage, Source

log = logging.getLogger(__name__)

LOCAL_SOURCES = frozenset({"knowledge_base", "factchecks"})
"""Sources read from local files: fast and changed by imports, so never cached."""

_MIN_ATTEMPT_S = 0.05
"""An attempt is not started with less time than this left in the budget."""


@dataclass(frozen=True)
class SourcePolicy:
    """How one source is protected; built from the settings by :func:`policy_for`."""

    timeout_s: float
    retries: int = 2
    backoff_base_s: float = 0.2
    backoff_max_s: float = 2.0
    circuit_failures: int = 5
    circuit_reset_s: float = 30.0
    concurrency: int = 4
    cache_ttl_s: int = 0
    cache_prefix: str = "claimcheck"


def policy_for(settings: Settings, name: str) -> SourcePolicy:
    """The source's policy: the shared settings, its own timeout, then its overrides.

    ``CLAIMCHECK_SOURCE_OVERRIDES`` (e.g. ``{"wikipedia": {"retries": 1}}``) wins over
    everything else, including the no-cache rule of local sources.
    """
    timeout = {
        "wikipedia": settings.wikipedia_timeout_s,
        "google_factcheck": settings.google_factcheck_timeout_s,
    }.get(name, settings.source_timeout_s)
    policy = SourcePolicy(
        timeout_s=timeout,
        retries=settings.source_retries,
        backoff_base_s=settings.source_backoff_base_s,
        backoff_max_s=settings.source_backoff_max_s,
        circuit_failures=settings.circuit_failures,
        circuit_reset_s=settings.circuit_reset_s,
        concurrency=settings.source_concurrency,
        cache_ttl_s=0 if name in LOCAL_SOURCES else settings.source_cache_ttl_s,
        cache_prefix=settings.key_prefix,
    )
    overrides = settings.source_overrides.get(name, {})
    integers = {"retries", "circuit_failures", "concurrency", "cache_ttl_s"}
    changes: dict[str, Any] = {
        key: int(value) if key in integers else float(value) for key, value in overrides.items()
    }
    return replace(policy, **changes)


class CircuitOpenError(TransientSourceError):
    """The source failed too often lately; it is not called until its cool-down ends."""


class CircuitBreaker:
    """Closed → open after ``failures`` consecutive failures → half-open after ``reset_s``.

    Thread-safe; ``clock`` is injectable for tests.
    """

    def __init__(
        self,
        name: str,
        *,
        failures: int,
        reset_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.threshold = failures
        self.reset_s = reset_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> str:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            if self._clock() - self._opened_at >= self.reset_s:
                return "half_open"
            return "open"

    def before_call(self) -> None:
        """Raise :class:`CircuitOpenError` unless a call may go ahead now."""
        with self._lock:
            if self._opened_at is None:
                return
            waited = self._clock() - self._opened_at
            if waited < self.reset_s:
                raise CircuitOpenError(
                    self.name,
                    f"circuit open after {self._failures} consecutive failures; "
                    f"next trial in {self.reset_s - waited:.1f}s",
                    retry_after=self.reset_s - waited,
                )
            if self._trial_running:
                raise CircuitOpenError(self.name, "circuit half-open; a trial call is running")
            self._trial_running = True
            metrics.set_circuit_state(self.name, "half_open")

    def record_success(self) -> None:
        with self._lock:
            if self._opened_at is not None:
                log.info("source %s answered again: circuit closed", self.name)
                metrics.set_circuit_state(self.name, "closed")
            self._failures = 0
            self._opened_at = None
            self._trial_running = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            was_trial = self._trial_running
            self._trial_running = False
            if was_trial or (self._opened_at is None and self._failures >= self.threshold):
                self._opened_at = self._clock()
                metrics.set_circuit_state(self.name, "open")
                log.warning(
                    "source %s failed %d times in a row: circuit open for %.0fs",
                    self.name,
                    self._failures,
                    self.reset_s,
                )

    def release_trial(self) -> None:
        """The trial call ended without a verdict on the source (e.g. a permanent error)."""
        with self._lock:
            self._trial_running = False


class ResilientSource:
    """A source behind cache, circuit breaker, concurrency limit, time budget and retries."""

    handles_retries = True
    """Tells the verifier that transient errors were already retried here."""

    def __init__(
        self,
        source: Source,
        policy: SourcePolicy,
        *,
        redis_client: redis.Redis | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.name = source.name
        self.policy = policy
        self.breaker = CircuitBreaker(
            source.name,
            failures=policy.circuit_failures,
            reset_s=policy.circuit_reset_s,
            clock=clock,
        )
        self._redis = redis_client if policy.cache_ttl_s > 0 else None
        self._slots = threading.BoundedSemaphore(policy.concurrency)
        self._rng = rng or random.Random()
        self._sleep = sleep
        self._clock = clock
        self._timed = bool(getattr(source, "accepts_timeout", False))

    def search(self, claim: str, limit: int) -> list[Passage]:
        key = self._cache_key(claim, limit)
        cached = self._cache_get(key)
        if cached is not None:
            return cached
        try:
            self.breaker.before_call()
        except TransientSourceError as exc:  # circuit open: counted like any source error
            metrics.record_source_error(self.name, metrics.error_kind(exc))
            raise
        deadline = self._clock() + self.policy.timeout_s
        if not self._slots.acquire(timeout=self.policy.timeout_s):
            self.breaker.release_trial()
            metrics.record_source_error(self.name, "no_slot")
            raise TransientSourceError(
                self.name,
                f"{self.policy.concurrency} searches already running; "
                f"no slot within {self.policy.timeout_s:g}s",
            )
        try:
            passages = self._search_with_retries(claim, limit, deadline)
        except TransientSourceError:
            self.breaker.record_failure()
            raise
        except BaseException:
            self.breaker.release_trial()
            raise
        finally:
            self._slots.release()
        self.breaker.record_success()
        self._cache_put(key, passages)
        return passages

    def _search_with_retries(self, claim: str, limit: int, deadline: float) -> list[Passage]:
        attempt = 0
        while True:
            left = deadline - self._clock()
            try:
                if left < _MIN_ATTEMPT_S:
                    raise TransientSourceError(
                        self.name, f"no time left within {self.policy.timeout_s:g}s"
                    )
                if self._timed:
                    return self.source.search(claim, limit, timeout_s=left)  # type: ignore[call-arg]
                return self.source.search(claim, limit)
            except TransientSourceError as exc:
                metrics.record_source_error(self.name, metrics.error_kind(exc))
                if attempt >= self.policy.retries:
                    raise
                delay = self._delay(attempt, exc.retry_after)
                if self._clock() + delay + _MIN_ATTEMPT_S >= deadline:
                    log.info(
                        "source %s: no retry (%.2fs wait would pass the %gs budget): %s",
                        self.name,
                        delay,
                        self.policy.timeout_s,
                        exc,
                    )
                    raise
                log.info(
                    "source %s failed (attempt %d), retrying in %.2fs: %s",
                    self.name,
                    attempt + 1,
                    delay,
                    exc,
                )
                self._sleep(delay)
                attempt += 1

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        ceiling = min(self.policy.backoff_max_s, self.policy.backoff_base_s * 2.0**attempt)
        jittered = self._rng.uniform(0.0, ceiling)
        return max(jittered, retry_after or 0.0)

    # --- cache ---------------------------------------------------------------------------

    def _cache_key(self, claim: str, limit: int) -> str:
        normalised = " ".join(claim.casefold().split())
        digest = hashlib.sha256(f"{limit}\n{normalised}".encode()).hexdigest()[:32]
        return f"{self.policy.cache_prefix}:source-cache:{self.name}:{digest}"

    def _cache_get(self, key: str) -> list[Passage] | None:
        if self._redis is None:
            return None
        try:
            raw = self._redis.get(key)
        except redis.RedisError as exc:
            log.warning("source cache unavailable, searching %s directly: %s", self.name, exc)
            return None
        if raw is None:
            return None
        try:
            rows: Any = json.loads(raw)
            return [Passage(**row) for row in rows]
        except (TypeError, ValueError) as exc:
            log.warning("ignoring a malformed cache entry of %s: %s", self.name, exc)
            return None

    def _cache_put(self, key: str, passages: list[Passage]) -> None:
        if self._redis is None:
            return
        try:
            payload = json.dumps([asdict(p) for p in passages], ensure_ascii=False)
            self._redis.set(key, payload, ex=self.policy.cache_ttl_s)
        except redis.RedisError as exc:
            log.warning("could not cache the answer of %s: %s", self.name, exc)

    def __getattr__(self, name: str) -> Any:
        """Anything else (``count``, ``path`` ...) comes from the wrapped source."""
        if name == "source":  # not set yet (during unpickling): avoid recursion
            raise AttributeError(name)
        return getattr(self.source, name)

    def close(self) -> None:
        close = getattr(self.source, "close", None)
        if callable(close):
            close()
