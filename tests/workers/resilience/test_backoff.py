"""Exponential backoff with full jitter and a Retry-After floor."""

from __future__ import annotations

import random

from shared.errors import PermanentSourceError, TransientSourceError
from workers.resilience.backoff import Backoff, retry_after_of


def test_delays_grow_and_stay_under_the_cap() -> None:
    backoff = Backoff(base_s=0.5, cap_s=3.0)
    rng = random.Random(3)
    for attempt in range(10):
        ceiling = min(3.0, 0.5 * 2**attempt)
        assert all(0 <= backoff.delay(attempt, rng=rng) <= ceiling for _ in range(200))


def test_retry_after_is_a_floor_even_above_the_cap() -> None:
    backoff = Backoff(base_s=0.1, cap_s=1.0)
    assert backoff.delay(0, retry_after=4.0) == 4.0
    assert backoff.delay(0, retry_after=-1.0) <= 0.1


def test_retry_after_is_read_from_transient_errors_only() -> None:
    assert retry_after_of(TransientSourceError("s", "429", retry_after=2.0)) == 2.0
    assert retry_after_of(PermanentSourceError("s", "400")) is None
    assert retry_after_of(ValueError()) is None
