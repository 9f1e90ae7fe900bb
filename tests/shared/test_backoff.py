"""Exponential backoff with full jitter, a Retry-After floor, and Retry-After headers read."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from shared.backoff import Backoff, parse_retry_after, retry_after_of
from shared.errors import PermanentSourceError, TransientSourceError


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


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("12", 12.0), ("0.5", 0.5), ("-3", 0.0), ("soon", None)],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date() -> None:
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert parse_retry_after("Fri, 27 Nov 2026 12:00:42 GMT", now=now) == 42.0
    assert parse_retry_after("Fri, 27 Nov 2026 11:00:00 GMT", now=now) == 0.0
