"""A call retried on chosen errors with backoff, within an optional time budget.

:class:`Retrier` runs one attempt after another until one succeeds or the policy says
stop: the retries are used up, the error is not one to retry, the failing side asked for
a longer wait than ``max_retry_after_s``, or the wait would end past the budget (then the
last error is raised at once, so the caller is never held much longer than its budget).
Each attempt is given the time left in the budget, or None without a budget.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from shared.backoff import Backoff, retry_after_of
from shared.errors import TransientError, TransientSourceError

log = logging.getLogger(__name__)

T = TypeVar("T")

MIN_ATTEMPT_S = 0.05
"""An attempt is not started with less time than this left in the budget."""


@dataclass(frozen=True)
class CallPolicy:
    """How one call is retried."""

    retries: int
    """Tries after the first one."""
    backoff: Backoff
    budget_s: float | None = None
    """Time for the whole call, retries included; None: each attempt bounds itself."""
    max_retry_after_s: float | None = None
    """A ``Retry-After`` longer than this ends the tries at once; None: any is waited for
    (within the budget)."""


Attempt = Callable[[float | None], T]
"""One try; it gets the seconds left in the budget (None without a budget)."""
OnFailure = Callable[[int, Exception], None]
"""Told of every failed try that is retryable: its 0-based number and its error."""


class Retrier:
    """Runs calls of ``name`` under ``policy``, retrying the errors in ``retry_on``."""

    def __init__(
        self,
        name: str,
        policy: CallPolicy,
        *,
        retry_on: tuple[type[Exception], ...] = (TransientError,),
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.policy = policy
        self.retry_on = retry_on
        self._rng = rng or random.Random()
        self._sleep = sleep
        self._clock = clock

    def call(
        self,
        attempt: Attempt[T],
        *,
        on_failure: OnFailure | None = None,
        started_at: float | None = None,
    ) -> T:
        """The first successful attempt's result, or the last error.

        ``started_at`` (on this retrier's clock) is when the budget began, if before now.
        """
        deadline = None
        if self.policy.budget_s is not None:
            start = self._clock() if started_at is None else started_at
            deadline = start + self.policy.budget_s
        tries = 0
        while True:
            try:
                return attempt(self._time_left(deadline))
            except self.retry_on as exc:
                if on_failure is not None:
                    on_failure(tries, exc)
                delay = self._next_delay(tries, exc, deadline)
                if delay is None:
                    raise
                log.info(
                    "%s failed (attempt %d), retrying in %.2fs: %s",
                    self.name,
                    tries + 1,
                    delay,
                    exc,
                )
                self._sleep(delay)
                tries += 1

    def _time_left(self, deadline: float | None) -> float | None:
        if deadline is None:
            return None
        left = deadline - self._clock()
        if left < MIN_ATTEMPT_S:
            raise TransientSourceError(self.name, f"no time left within {self.policy.budget_s:g}s")
        return left

    def _next_delay(self, tries: int, exc: Exception, deadline: float | None) -> float | None:
        """The wait before the next try, or None to give up with ``exc``."""
        if tries >= self.policy.retries:
            return None
        retry_after = retry_after_of(exc)
        limit = self.policy.max_retry_after_s
        if limit is not None and retry_after is not None and retry_after > limit:
            return None
        delay = self.policy.backoff.delay(tries, retry_after=retry_after, rng=self._rng)
        if deadline is not None and self._clock() + delay + MIN_ATTEMPT_S >= deadline:
            log.info(
                "%s: no retry (%.2fs wait would pass the %gs budget): %s",
                self.name,
                delay,
                self.policy.budget_s,
                exc,
            )
            return None
        return delay
