"""A worker killed with SIGKILL in the middle of a job still leaves exactly one verdict."""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest

from tests.e2e.conftest import SEED_ARTICLE, Stack, StackFactory
from tests.e2e.fault_worker import WorkerFaults

pytestmark = pytest.mark.e2e

FAULTS = WorkerFaults(delay_s=2.0)
"""Every check takes 2 s, so a worker can be killed in the middle of one."""
# Short limits so that a task held by a dead worker comes back within the test.
FAULT_SETTINGS = {
    "task_time_limit_s": 6,
    "task_soft_time_limit_s": 5,
    "visibility_timeout_s": 8,
}


def _wait_status(stack: Stack, claim_ids: set[str], status: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    with stack.http() as http:
        while time.monotonic() < deadline:
            states = {http.get(f"/v1/claims/{c}").json()["status"] for c in claim_ids}
            if status in states:
                return
            time.sleep(0.1)
    raise AssertionError(f"no claim reached {status!r}")


def test_worker_killed_mid_job_leaves_one_verdict_per_claim(stack_factory: StackFactory) -> None:
    stack = stack_factory(faults=FAULTS, **FAULT_SETTINGS)
    stack.start_intake()
    stack.start_worker("w1", concurrency=1)
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    with stack.http() as http:
        accepted = http.post("/v1/articles", json={"text": text}).json()
    claim_ids = {c["claim_id"] for c in accepted["claims"]}

    _wait_status(stack, claim_ids, "checking")
    stack.kill("w1", signal.SIGKILL)  # the worker and its pool child die mid-task
    stack.start_worker("w2", concurrency=2)

    verdicts = stack.wait_for_verdicts(claim_ids, timeout=120)
    time.sleep(FAULT_SETTINGS["visibility_timeout_s"] + 2)  # room for a late duplicate
    verdicts = stack.verdicts_for(claim_ids)
    assert Counter(e.data["claim_id"] for e in verdicts) == dict.fromkeys(claim_ids, 1)
    assert [e.type for e in stack.entries()].count("article.completed") == 1


def test_pool_child_killed_mid_job_is_redelivered(stack_factory: StackFactory) -> None:
    import psutil

    stack = stack_factory(faults=FAULTS, **FAULT_SETTINGS)
    stack.start_intake()
    stack.start_worker("w1", concurrency=1)
    with stack.http() as http:
        claim_id = http.post(
            "/v1/claims", json={"text": "The APEC summit of 2017 was held in Da Nang."}
        ).json()["claim_id"]
    _wait_status(stack, {claim_id}, "checking")
    parent = psutil.Process(stack.group.pid("w1"))
    children = [p for p in parent.children(recursive=True) if "python" in p.name().lower()]
    assert children, "the prefork pool has a child process"
    for child in children:
        child.send_signal(signal.SIGKILL)

    stack.wait_for_verdicts({claim_id}, timeout=60)
    time.sleep(3)
    assert len(stack.verdicts_for({claim_id})) == 1
