"""The retried call: which errors are retried, the budget, a too-long Retry-After."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from shared.backoff import Backoff
from shared.errors import PermanentSourceError, TransientSourceError
from tests.workers.resilience.clock import Clock
from workers.resilience.retrier import CallPolicy, Retrier


def _retrier(clock: Clock, **policy: float | None) -> Retrier:
    values: dict[str, float | None] = {"budget_s": None, "max_retry_after_s": None}
    values.update(policy)
    return Retrier(
        "api",
        CallPolicy(2, Backoff(0.1, 1.0), **values),
        retry_on=(TransientSourceError,),
        rng=random.Random(1),
        sleep=clock.sleep,
        clock=clock,
    )


def _failing(*errors: Exception) -> tuple[list[float | None], Callable[[float | None], str]]:
    seen: list[float | None] = []
    queue = list(errors)

    def attempt(left: float | None) -> str:
        seen.append(left)
        if queue:
            raise queue.pop(0)
        return "ok"

    return seen, attempt


def test_retries_until_success_and_reports_each_failure() -> None:
    clock = Clock()
    seen, attempt = _failing(TransientSourceError("api", "503"), TransientSourceError("api", "503"))
    failures: list[int] = []
    result = _retrier(clock).call(attempt, on_failure=lambda n, _: failures.append(n))
    assert result == "ok" and failures == [0, 1] and len(clock.slept) == 2
    assert seen == [None, None, None]  # no budget: attempts bound themselves


def test_errors_outside_retry_on_are_raised_at_once() -> None:
    clock = Clock()
    _, attempt = _failing(PermanentSourceError("api", "400"))
    with pytest.raises(PermanentSourceError):
        _retrier(clock).call(attempt)
    assert clock.slept == []


def test_a_retry_after_over_the_limit_ends_the_tries() -> None:
    clock = Clock()
    _, attempt = _failing(TransientSourceError("api", "429", retry_after=60))
    with pytest.raises(TransientSourceError, match="429"):
        _retrier(clock, max_retry_after_s=5).call(attempt)
    assert clock.slept == []


def test_attempts_get_the_time_left_and_an_exhausted_budget_fails_transiently() -> None:
    clock = Clock()
    seen, attempt = _failing(TransientSourceError("api", "503", retry_after=0.5))
    assert _retrier(clock, budget_s=2).call(attempt) == "ok"
    assert seen == [2.0, 1.5]
    clock = Clock()
    with pytest.raises(TransientSourceError, match="no time left within 1s"):
        _retrier(clock, budget_s=1).call(lambda _: "never", started_at=clock.now - 5.0)
