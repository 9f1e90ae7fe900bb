from __future__ import annotations

import random

import pytest

from shared.errors import (
    PermanentSourceError,
    StoreUnavailableError,
    TransientError,
    TransientSourceError,
)
from shared.settings import load_settings
from workers.components import retry_policy
from workers.resilience.task_retry import RetryPolicy, decide_retry

POLICY = RetryPolicy(max_retries=5, base_s=1.0, cap_s=20.0)


@pytest.mark.parametrize("retries", range(8))
def test_full_jitter_stays_within_exponential_bounds(retries: int) -> None:
    rng = random.Random(retries)
    delays = [POLICY.delay(retries, rng=rng) for _ in range(500)]
    ceiling = min(20.0, 2.0**retries)
    assert all(0.0 <= d <= ceiling for d in delays)
    assert max(delays) > 0.8 * ceiling  # spread over the whole range ...
    assert min(delays) < 0.2 * ceiling  # ... not bunched at the top


def test_retry_after_is_a_floor_but_never_beyond_the_cap() -> None:
    rng = random.Random(1)
    assert all(POLICY.delay(0, retry_after=7.5, rng=rng) >= 7.5 for _ in range(100))
    assert POLICY.delay(0, retry_after=600.0, rng=rng) == 20.0


def test_policy_from_settings_caps_below_the_visibility_timeout() -> None:
    settings = load_settings(
        auth_enabled=False,
        task_max_retries=3,
        retry_backoff_base_s=2.0,
        retry_backoff_max_s=500.0,
        task_time_limit_s=100,
        task_soft_time_limit_s=90,
        visibility_timeout_s=300,
    )
    policy = retry_policy(settings)
    assert policy == RetryPolicy(max_retries=3, base_s=2.0, cap_s=150.0)
    assert policy.is_final(3) and not policy.is_final(2)


@pytest.mark.parametrize(
    "error",
    [TransientSourceError("kb", "busy"), StoreUnavailableError("down"), TransientError("x")],
)
def test_transient_errors_are_retried_while_retries_are_left(error: TransientError) -> None:
    decision = decide_retry(error, 0, POLICY, rng=random.Random(0))
    assert decision is not None and decision.error is error
    assert 0.0 <= decision.countdown <= 1.0
    assert decide_retry(error, 5, POLICY) is None  # retries exhausted


@pytest.mark.parametrize(
    "error", [PermanentSourceError("kb", "bad"), ValueError("bug"), KeyError("k")]
)
def test_other_errors_are_never_retried(error: Exception) -> None:
    assert decide_retry(error, 0, POLICY) is None


def test_retry_after_from_the_error_is_honoured() -> None:
    error = TransientSourceError("api", "429", retry_after=12.0)
    decision = decide_retry(error, 0, POLICY, rng=random.Random(0))
    assert decision is not None and decision.countdown >= 12.0
