"""What every source gets around it: time budget, retries, circuit breaker, limit, cache.

:class:`ResilientSource` wraps any :class:`~workers.sources.base.Source` under its
:class:`SourcePolicy` (read per source from the settings by the worker's root,
:func:`workers.components.source_policy`). One search:

1. **Cache**: an answer stored in Redis under the source name and the normalised claim
   (casefolded, whitespace collapsed) is returned as is; successful answers are stored
   with ``CLAIMCHECK_SOURCE_CACHE_TTL_S`` (local sources are never cached). A Redis
   failure only skips the cache.
2. **Circuit breaker** (per source and worker process, see
   :mod:`workers.resilience.breaker`): after ``CLAIMCHECK_CIRCUIT_FAILURES`` consecutive
   searches that ended in a transient failure, searches fail at once with "circuit open"
   until ``CLAIMCHECK_CIRCUIT_RESET_S`` has passed and a trial search succeeds.
3. **Concurrency limit**: at most ``CLAIMCHECK_SOURCE_CONCURRENCY`` searches of the source
   at once in this process (a semaphore); a search that cannot get a slot within its time
   budget fails transiently.
4. **Time budget and retries** (:mod:`workers.resilience.retrier`): the whole search,
   retries included, must finish within the source's timeout. Transient errors are retried
   up to ``CLAIMCHECK_SOURCE_RETRIES`` times after a jittered exponential wait, never
   shorter than the source's ``Retry-After``; when the wait would end past the budget the
   search gives up at once with the last error. Each attempt is given the time left in the
   budget (``timeout_s``). Permanent errors are never retried.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import redis

from shared.backoff import Backoff
from shared.errors import TransientSourceError
from shared.store.keys import Keys
from workers import metrics
from workers.resilience.breaker import BreakerConfig, CircuitBreaker
from workers.resilience.retrier import CallPolicy, Retrier
from workers.sources.base import Passage, Source

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourcePolicy:
    """How one source is protected."""

    timeout_s: float
    retries: int = 2
    backoff_base_s: float = 0.2
    backoff_max_s: float = 2.0
    circuit_failures: int = 5
    circuit_reset_s: float = 30.0
    concurrency: int = 4
    cache_ttl_s: int = 0
    cache_prefix: str = "claimcheck"

    @property
    def calls(self) -> CallPolicy:
        return CallPolicy(
            retries=self.retries,
            backoff=Backoff(self.backoff_base_s, self.backoff_max_s),
            budget_s=self.timeout_s,
        )

    @property
    def breaker(self) -> BreakerConfig:
        return BreakerConfig(failures=self.circuit_failures, reset_s=self.circuit_reset_s)


class ResilientSource:
    """A source behind cache, circuit breaker, concurrency limit, time budget and retries.

    It is itself a :class:`~workers.sources.base.Source`; the wrapped one is ``source``.
    """

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
        self.breaker = CircuitBreaker.from_config(source.name, policy.breaker, clock=clock)
        self._retrier = Retrier(
            source.name,
            policy.calls,
            retry_on=(TransientSourceError,),
            rng=rng,
            sleep=sleep,
            clock=clock,
        )
        self._redis = redis_client if policy.cache_ttl_s > 0 else None
        self._slots = threading.BoundedSemaphore(policy.concurrency)
        self._clock = clock

    def search(self, claim: str, limit: int, *, timeout_s: float | None = None) -> list[Passage]:
        """Search under the policy; its time budget is the policy's, not ``timeout_s``."""
        key = self._cache_key(claim, limit)
        cached = self._cache_get(key)
        if cached is not None:
            return cached
        try:
            self.breaker.before_call()
        except TransientSourceError as exc:  # circuit open: counted like any source error
            metrics.record_source_error(self.name, metrics.error_kind(exc))
            raise
        started = self._clock()
        if not self._slots.acquire(timeout=self.policy.timeout_s):
            self.breaker.release_trial()
            metrics.record_source_error(self.name, "no_slot")
            raise TransientSourceError(
                self.name,
                f"{self.policy.concurrency} searches already running; "
                f"no slot within {self.policy.timeout_s:g}s",
            )
        try:
            passages = self._retrier.call(
                lambda left: self.source.search(claim, limit, timeout_s=left),
                on_failure=self._count_failure,
                started_at=started,
            )
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

    def close(self) -> None:
        self.source.close()

    def _count_failure(self, attempt: int, exc: Exception) -> None:
        metrics.record_source_error(self.name, metrics.error_kind(exc))

    # --- cache ---------------------------------------------------------------------------

    def _cache_key(self, claim: str, limit: int) -> str:
        normalised = " ".join(claim.casefold().split())
        digest = hashlib.sha256(f"{limit}\n{normalised}".encode()).hexdigest()[:32]
        return Keys(self.policy.cache_prefix).source_cache(self.name, digest)

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
