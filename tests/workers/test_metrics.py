"""The workers' metric hooks, read back from prometheus_client's registry."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from prometheus_client import REGISTRY

from shared.errors import TransientSourceError
from shared.schemas import Label, SourceFailure, Verdict
from workers import metrics


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _verdict(label: Label = "refuted", **extra: Any) -> Verdict:
    return Verdict(
        claim_id="clm_metrics",
        claim="Water boils at 90 C.",
        label=label,
        confidence=0.8,
        needs_review=False,
        checked_at=datetime.now(UTC),
        verifier_version="test-1",
        **extra,
    )


def test_a_published_verdict_is_counted_with_its_latency() -> None:
    before = _value("claimcheck_verdicts_total", label="refuted", verifier="test-1")
    count = _value("claimcheck_submit_to_verdict_seconds_count")
    total = _value("claimcheck_submit_to_verdict_seconds_sum")
    failed_before = _value("claimcheck_verdict_sources_failed_total", source="wikipedia")
    created = int((time.time() - 2.5) * 1000)
    verdict = _verdict(sources_failed=[SourceFailure(source="wikipedia", reason="down")])
    metrics.record_verdict(verdict, seconds=0.2, created_at_ms=created)
    assert _value("claimcheck_verdicts_total", label="refuted", verifier="test-1") == before + 1
    assert _value("claimcheck_submit_to_verdict_seconds_count") == count + 1
    assert 2.4 < _value("claimcheck_submit_to_verdict_seconds_sum") - total < 5
    assert (
        _value("claimcheck_verdict_sources_failed_total", source="wikipedia") == failed_before + 1
    )


def test_source_errors_and_circuit_state() -> None:
    before = _value("claimcheck_source_errors_total", source="wiki", kind="timeout")
    metrics.record_source_error("wiki", "timeout")
    assert _value("claimcheck_source_errors_total", source="wiki", kind="timeout") == before + 1
    for state, number in (("open", 2), ("half_open", 1), ("closed", 0)):
        metrics.set_circuit_state("wiki", state)  # type: ignore[arg-type]
        assert _value("claimcheck_circuit_state", source="wiki") == number


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (TransientSourceError("s", "x"), "transient_source"),
        (TimeoutError(), "timeout"),
        (ValueError(), "value"),
    ],
)
def test_error_kind(exc: BaseException, kind: str) -> None:
    assert metrics.error_kind(exc) == kind


def test_the_circuit_breaker_reports_its_state() -> None:
    from workers.resilience.breaker import CircuitBreaker, CircuitOpenError

    now = [0.0]
    breaker = CircuitBreaker("metrics-src", failures=2, reset_s=10, clock=lambda: now[0])
    breaker.record_failure()
    breaker.record_failure()
    assert _value("claimcheck_circuit_state", source="metrics-src") == 2
    with pytest.raises(CircuitOpenError):
        breaker.before_call()
    now[0] = 11.0
    breaker.before_call()
    assert _value("claimcheck_circuit_state", source="metrics-src") == 1
    breaker.record_success()
    assert _value("claimcheck_circuit_state", source="metrics-src") == 0
