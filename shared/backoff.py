"""How long to wait before trying again: exponential backoff with full jitter, and what a
``Retry-After`` header asks for (:func:`parse_retry_after`).

The wait before retry ``n`` (0-based) is drawn uniformly from ``[0, min(cap, base * 2**n)]``
("full jitter"), so callers that failed together do not come back together. A
``Retry-After`` hint from the failing side is a floor of the wait.
"""

from __future__ import annotations

import email.utils
import random
from dataclasses import dataclass
from datetime import UTC, datetime

from shared.errors import TransientError

_MAX_EXPONENT = 62
"""``2**n`` beyond this adds nothing but float overflow risk."""


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff from ``base_s``, capped at ``cap_s``, fully jittered."""

    base_s: float
    cap_s: float

    def delay(
        self, attempt: int, *, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait before retry number ``attempt + 1``; never under ``retry_after``."""
        ceiling = min(self.cap_s, self.base_s * 2.0 ** min(attempt, _MAX_EXPONENT))
        jittered = (rng or random).uniform(0.0, ceiling)
        floor = retry_after if retry_after is not None and retry_after > 0 else 0.0
        return max(floor, jittered)


def retry_after_of(error: BaseException) -> float | None:
    """The wait the failing side asked for (``Retry-After``), if it asked."""
    return error.retry_after if isinstance(error, TransientError) else None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)
