"""The worker's Prometheus endpoint, scraped after a real task ran in a prefork pool process."""

from __future__ import annotations

import json

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from cli.processes import free_port, wait_until
from tests.e2e.conftest import StackFactory

pytestmark = pytest.mark.e2e

API_KEY = "e2e-metrics-key-0123456789-aaaaaaaaa"
CLAIM = {"text": "UN Security Council resolution 2254 was adopted in December 2015."}


def _scrape(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = httpx.get(url, timeout=5).text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _verdicts(samples: dict[tuple[str, frozenset[tuple[str, str]]], float]) -> float:
    return sum(v for (name, _), v in samples.items() if name == "claimcheck_verdicts_total")


def test_worker_metrics_count_the_verdicts_of_its_pool_processes(
    stack_factory: StackFactory,
) -> None:
    port = free_port()
    stack = stack_factory(
        worker_metrics_port=port,
        stance_scorer="lexical",
        log_format="json",
        auth_enabled=True,
        api_keys={"daily-planet": API_KEY},
    )
    stack.start_worker(concurrency=2)
    stack.start_intake()
    url = f"http://127.0.0.1:{port}/metrics"
    wait_until(lambda: _ok(url), timeout=60, what="worker metrics endpoint", group=stack.group)
    before = _scrape(url)
    assert _verdicts(before) == 0
    assert before[("claimcheck_queue_depth", frozenset())] == 0

    with stack.http(**{"X-API-Key": API_KEY}) as http:
        ids = {http.post("/v1/claims", json=CLAIM).json()["claim_id"] for _ in range(3)}
    verdicts = stack.wait_for_verdicts(ids)
    labels = {e.data["label"] for e in verdicts}
    assert {e.data["newsroom"] for e in verdicts} == {"daily-planet"}

    wait_until(lambda: _verdicts(_scrape(url)) == 3, timeout=10, what="3 verdicts counted")
    after = _scrape(url)
    counted = {
        dict(lbls)["label"]
        for (name, lbls), v in after.items()
        if name == "claimcheck_verdicts_total" and v
    }
    assert counted == labels
    assert after[("claimcheck_submit_to_verdict_seconds_count", frozenset())] == 3
    assert after[("claimcheck_check_seconds_count", frozenset())] == 3
    assert after[("claimcheck_stream_length", frozenset())] == len(stack.entries())
    assert after[("claimcheck_queue_depth", frozenset())] == 0

    # both processes wrote JSON lines; the worker's name their claims; no key anywhere
    stack.group.stop()
    worker_log = (stack.group.log_dir / "worker.log").read_text()
    intake_log = (stack.group.log_dir / "intake.log").read_text()
    published = [
        json.loads(line)
        for line in worker_log.splitlines()
        if line.startswith("{") and "published" in line
    ]
    assert {line["claim_id"] for line in published} == ids
    assert all(json.loads(line) for line in intake_log.splitlines() if line.startswith("{"))
    assert any('"claim accepted' in line for line in intake_log.splitlines())
    assert API_KEY not in worker_log + intake_log


def _ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
