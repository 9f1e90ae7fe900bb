"""A circuit breaker per protected dependency (a reference source, the LLM judge).

Closed → open after ``failures`` consecutive failures → half-open after ``reset_s``: one
trial call goes through; its success closes the circuit, its failure opens it again. While
open, calls fail at once with :class:`CircuitOpenError`, a transient error whose
``retry_after`` is the rest of the cool-down.

The breaker lives in one worker process on purpose: no Redis round trip on the hot path,
no shared state to go stale when a worker dies, and each process learns of an outage after
a handful of fast failures anyway.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from shared.errors import TransientSourceError
from workers import metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BreakerConfig:
    """When a circuit opens (``CLAIMCHECK_CIRCUIT_FAILURES``) and for how long
    (``CLAIMCHECK_CIRCUIT_RESET_S``); the defaults are those of the settings."""

    failures: int = 5
    reset_s: float = 30.0


class CircuitOpenError(TransientSourceError):
    """The dependency failed too often lately; it is not called until its cool-down ends."""


class CircuitBreaker:
    """The state of one dependency's circuit. Thread-safe; ``clock`` is injectable for tests."""

    def __init__(
        self,
        name: str,
        *,
        failures: int,
        reset_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.threshold = failures
        self.reset_s = reset_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @classmethod
    def from_config(
        cls, name: str, config: BreakerConfig, *, clock: Callable[[], float] = time.monotonic
    ) -> CircuitBreaker:
        return cls(name, failures=config.failures, reset_s=config.reset_s, clock=clock)

    @property
    def state(self) -> str:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            if self._clock() - self._opened_at >= self.reset_s:
                return "half_open"
            return "open"

    def before_call(self) -> None:
        """Raise :class:`CircuitOpenError` unless a call may go ahead now."""
        with self._lock:
            if self._opened_at is None:
                return
            waited = self._clock() - self._opened_at
            if waited < self.reset_s:
                raise CircuitOpenError(
                    self.name,
                    f"circuit open after {self._failures} consecutive failures; "
                    f"next trial in {self.reset_s - waited:.1f}s",
                    retry_after=self.reset_s - waited,
                )
            if self._trial_running:
                raise CircuitOpenError(self.name, "circuit half-open; a trial call is running")
            self._trial_running = True
            metrics.set_circuit_state(self.name, "half_open")

    def record_success(self) -> None:
        with self._lock:
            if self._opened_at is not None:
                log.info("source %s answered again: circuit closed", self.name)
                metrics.set_circuit_state(self.name, "closed")
            self._failures = 0
            self._opened_at = None
            self._trial_running = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            was_trial = self._trial_running
            self._trial_running = False
            if was_trial or (self._opened_at is None and self._failures >= self.threshold):
                self._opened_at = self._clock()
                metrics.set_circuit_state(self.name, "open")
                log.warning(
                    "source %s failed %d times in a row: circuit open for %.0fs",
                    self.name,
                    self._failures,
                    self.reset_s,
                )

    def release_trial(self) -> None:
        """The trial call ended without a verdict on the dependency (e.g. a permanent error)."""
        with self._lock:
            self._trial_running = False
