"""When and how long to wait before retrying a task: exponential backoff, full jitter.

Only :class:`shared.errors.TransientError` subclasses are retried. The delay of retry
``n`` (0-based) is drawn uniformly from ``[0, min(cap, base * 2**n)]`` ("full jitter"), so
workers that failed together do not come back together. A ``retry_after`` hint from the
failing source is a floor. Every delay is capped at ``cap`` and at half the broker's
visibility timeout: with the Redis transport a task waiting for its countdown is held
unacknowledged, and one held longer than the visibility timeout is delivered twice.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from shared.errors import TransientError
from shared.settings import Settings


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int
    base_s: float
    cap_s: float

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        cap = min(settings.retry_backoff_max_s, settings.visibility_timeout_s / 2)
        return cls(
            max_retries=settings.task_max_retries,
            base_s=min(settings.retry_backoff_base_s, cap),
            cap_s=cap,
        )

    def is_final(self, retries: int) -> bool:
        """True when a failure of this attempt will not be retried any more."""
        return retries >= self.max_retries

    def delay(
        self, retries: int, *, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait before retry number ``retries + 1``."""
        ceiling = min(self.cap_s, self.base_s * 2.0 ** min(retries, 62))
        jittered = (rng or random).uniform(0.0, ceiling)
        floor = min(retry_after, self.cap_s) if retry_after and retry_after > 0 else 0.0
        return max(floor, jittered)


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
