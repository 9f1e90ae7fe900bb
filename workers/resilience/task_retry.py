"""When and how long to wait before Celery retries a task.

Only :class:`shared.errors.TransientError` subclasses are retried, after a
:class:`~shared.backoff.Backoff` wait (full jitter, ``Retry-After`` as a
floor). Every wait, the floor included, is capped at ``cap`` and at half the broker's
visibility timeout: with the Redis transport a task waiting for its countdown is held
unacknowledged, and one held longer than the visibility timeout is delivered twice.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from shared.backoff import Backoff
from shared.errors import TransientError


@dataclass(frozen=True)
class RetryPolicy:
    """How often and after how long a failed task is tried again."""

    max_retries: int
    base_s: float
    cap_s: float

    def is_final(self, retries: int) -> bool:
        """True when a failure of this attempt will not be retried any more."""
        return retries >= self.max_retries

    def delay(
        self, retries: int, *, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait before retry number ``retries + 1``."""
        floor = min(retry_after, self.cap_s) if retry_after else None
        return Backoff(self.base_s, self.cap_s).delay(retries, retry_after=floor, rng=rng)


@dataclass(frozen=True)
class RetryDecision:
    countdown: float
    error: TransientError


def decide_retry(
    error: BaseException,
    retries: int,
    policy: RetryPolicy,
    *,
    rng: random.Random | None = None,
) -> RetryDecision | None:
    """A retry for a transient error with retries left; None means do not retry."""
    if not isinstance(error, TransientError) or policy.is_final(retries):
        return None
    return RetryDecision(
        countdown=policy.delay(retries, retry_after=error.retry_after, rng=rng), error=error
    )
