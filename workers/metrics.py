"""Prometheus metrics of the workers.

Celery's prefork pool runs tasks in child processes, so the workers use prometheus_client's
multiprocess mode: ``claimcheck worker`` points ``PROMETHEUS_MULTIPROC_DIR`` at an empty
directory *before* this module is imported (:func:`workers.metrics_server.prepare`), every
process writes its samples to memory-mapped files there, and the main process serves the
sum on ``CLAIMCHECK_WORKER_METRICS_PORT``. Without that directory the metrics live in the
process (solo pool, tests) and nothing serves them.

Other modules report through the functions here; the sources' circuit breaker calls
:func:`record_source_error` and :func:`set_circuit_state`.
"""

from __future__ import annotations

import time
from typing import Final, Literal

from prometheus_client import Counter, Gauge, Histogram

from shared.schemas import Verdict

CircuitState = Literal["closed", "half_open", "open"]
CIRCUIT_STATE_VALUES: Final[dict[str, int]] = {"closed": 0, "half_open": 1, "open": 2}

LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)

VERDICTS = Counter(
    "claimcheck_verdicts",
    "Verdicts published, by label and verifier version",
    ["label", "verifier"],
)
SUBMIT_TO_VERDICT = Histogram(
    "claimcheck_submit_to_verdict_seconds",
    "From the claim's submission to the intake to its verdict on the stream",
    buckets=LATENCY_BUCKETS,
)
CHECK_SECONDS = Histogram(
    "claimcheck_check_seconds",
    "Time one check took in the worker (retrieval, stance scoring, publication)",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
RETRIES = Counter("claimcheck_task_retries", "Checks scheduled for a retry after a transient error")
SOURCE_ERRORS = Counter(
    "claimcheck_source_errors",
    "Failed calls to a reference source, by source and error kind (circuit_open, ...)",
    ["source", "kind"],
)
VERDICTS_WITHOUT_SOURCE = Counter(
    "claimcheck_verdict_sources_failed",
    "Verdicts published without a source that failed (listed in sources_failed)",
    ["source"],
)
CIRCUIT_STATE = Gauge(
    "claimcheck_circuit_state",
    "Circuit breaker state per source: 0 closed, 1 half-open, 2 open",
    ["source"],
    multiprocess_mode="mostrecent",
)


def record_verdict(verdict: Verdict, *, seconds: float, created_at_ms: int) -> None:
    """Count a verdict that was just published (not a refused duplicate)."""
    VERDICTS.labels(label=verdict.label, verifier=verdict.verifier_version).inc()
    if created_at_ms > 0:
        SUBMIT_TO_VERDICT.observe(max(0.0, time.time() - created_at_ms / 1000))
    if seconds > 0:
        CHECK_SECONDS.observe(seconds)
    for failure in verdict.sources_failed:
        VERDICTS_WITHOUT_SOURCE.labels(source=failure.source).inc()


def record_retry() -> None:
    RETRIES.inc()


def record_source_error(source: str, kind: str) -> None:
    """One failure of a reference source (``kind``: timeout, http_5xx, rate_limited...)."""
    SOURCE_ERRORS.labels(source=source, kind=kind).inc()


def set_circuit_state(source: str, state: CircuitState) -> None:
    """The circuit breaker of ``source`` changed state."""
    CIRCUIT_STATE.labels(source=source).set(CIRCUIT_STATE_VALUES[state])


def error_kind(exc: BaseException) -> str:
    """A short label for an exception class: ``CircuitOpenError`` -> ``circuit_open``."""
    name = type(exc).__name__.removesuffix("Error") or type(exc).__name__
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
