"""The circuit breaker on its own; a source behind one: sources/test_resilience.py."""

from __future__ import annotations

import pytest

from tests.conftest import SettingsFactory
from workers.components import breaker_config
from workers.resilience.breaker import BreakerConfig, CircuitBreaker, CircuitOpenError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_half_open_lets_one_trial_through_at_a_time() -> None:
    clock = Clock()
    breaker = CircuitBreaker("api", failures=1, reset_s=5, clock=clock)
    breaker.record_failure()
    clock.now += 5
    breaker.before_call()  # the trial
    with pytest.raises(CircuitOpenError, match="trial"):
        breaker.before_call()
    breaker.record_success()
    breaker.before_call()
    assert breaker.state == "closed"


def test_config_comes_from_the_settings(settings_factory: SettingsFactory) -> None:
    config = breaker_config(settings_factory(circuit_failures=7, circuit_reset_s=12))
    assert config == BreakerConfig(failures=7, reset_s=12.0)
    breaker = CircuitBreaker.from_config("judge", config)
    assert (breaker.name, breaker.threshold, breaker.reset_s) == ("judge", 7, 12.0)
