"""Redis restarted, unreachable, or full: nothing accepted is lost, nothing refused is kept.

Every test here runs its own redis-server on a free port (the shared one on 6379 is never
stopped or reconfigured) and checks each accepted claim's verdict by id.
"""

from __future__ import annotations

import time

import httpx
import pytest

from tests.e2e.conftest import Stack, StackFactory
from tests.e2e.fault_worker import WorkerFaults
from tests.e2e.faults import (
    assert_one_verdict_each,
    claim_texts,
    private_stack,
    submit_claims,
    wait_settled,
)
from tests.e2e.redis_server import PrivateRedis, PrivateRedisFactory

pytestmark = pytest.mark.e2e


def _records(server: PrivateRedis, stack: Stack) -> list[str]:
    client = server.client()
    prefix = stack.settings.key_prefix
    return [
        key
        for pattern in (f"{prefix}:claim:*", f"{prefix}:article:*")
        for key in client.scan_iter(match=pattern)
    ]


def _assert_refused(response: httpx.Response, error: str = "unavailable") -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"] == error
    assert int(response.headers["Retry-After"]) >= 1


# the settle deadline (150 s) must come before the test's own timeout, so that a failure
# says which claims are missing and shows the workers' logs
@pytest.mark.timeout(240)
def test_redis_restarted_while_jobs_are_queued_and_running(
    stack_factory: StackFactory, private_redis_factory: PrivateRedisFactory
) -> None:
    server = private_redis_factory(appendonly=True)
    stack = private_stack(stack_factory, server, faults=WorkerFaults(delay_s=0.3))
    stack.start_intake()
    stack.start_worker("w1", concurrency=1)
    stack.start_worker("w2", concurrency=1)
    with stack.http() as http:
        accepted = submit_claims(http, claim_texts(40, "restart"))
    claim_ids = set(accepted)
    time.sleep(1.0)
    assert stack.queue_length() > 0, "jobs are still queued when Redis goes down"

    server.stop()  # a clean shutdown writes the append-only file
    time.sleep(3.0)
    server.start()  # same port, same directory: the data comes back from the AOF

    wait_settled(stack, claim_ids, timeout=150)
    assert_one_verdict_each(stack, claim_ids)
    # the intake reconnects by itself
    with stack.http() as http:
        later = submit_claims(http, claim_texts(2, "after"))
    stack.wait_for_verdicts(set(later), timeout=60)


def test_redis_unreachable_at_submit_answers_503_and_stores_nothing(
    stack_factory: StackFactory, private_redis_factory: PrivateRedisFactory
) -> None:
    server = private_redis_factory(appendonly=True)
    stack = private_stack(stack_factory, server)
    stack.start_intake()
    server.stop()
    with stack.http() as http:
        _assert_refused(http.post("/v1/claims", json={"text": "APEC 2017 was in Da Nang."}))
        article = {"text": "The APEC summit of 2017 was held in Da Nang, Vietnam."}
        _assert_refused(http.post("/v1/articles", json=article))
        server.start()
        assert _records(server, stack) == []
        assert stack.queue_length() == 0
        # once Redis is back the same request is accepted and checked
        stack.start_worker("w1")
        accepted = submit_claims(http, ["APEC 2017 was in Da Nang."])
    stack.wait_for_verdicts(set(accepted), timeout=60)
    assert_one_verdict_each(stack, set(accepted))


def test_broker_unreachable_at_submit_rolls_the_records_back(
    stack_factory: StackFactory, private_redis_factory: PrivateRedisFactory
) -> None:
    store = private_redis_factory()
    broker = private_redis_factory()
    stack = private_stack(stack_factory, store, broker_url=broker.url)
    stack.start_intake()
    broker.stop()
    with stack.http() as http:
        _assert_refused(http.post("/v1/claims", json={"text": "APEC 2017 was in Da Nang."}))
        text = "The APEC summit of 2017 was held in Da Nang, Vietnam. " * 3
        _assert_refused(http.post("/v1/articles", json={"text": text}))
    assert _records(store, stack) == []  # stored, queuing failed, removed again


@pytest.mark.timeout(240)
def test_redis_maxmemory_refuses_new_work_and_loses_nothing_accepted(
    stack_factory: StackFactory, private_redis_factory: PrivateRedisFactory
) -> None:
    server = private_redis_factory(appendonly=False, maxmemory="8mb")
    stack = private_stack(stack_factory, server, intake_max_memory_fraction=0.5)
    stack.start_intake()
    stack.start_worker("w1", concurrency=2)
    context = "Background of the claim. " * 600  # about 15 kB per claim record
    accepted: set[str] = set()
    refused: httpx.Response | None = None
    with stack.http() as http:
        for text in claim_texts(1000, "full"):
            response = http.post("/v1/claims", json={"text": text, "context": context})
            if response.status_code != 202:
                refused = response
                break
            accepted.add(response.json()["claim_id"])
        assert refused is not None, f"{len(accepted)} claims accepted and none refused"
        _assert_refused(refused, "over_capacity")
        assert "memory limit" in refused.json()["message"]
        assert len(accepted) >= 20
        # refused work leaves nothing behind
        claims = [k for k in _records(server, stack) if ":claim:" in k]
        assert len(claims) == len(accepted)
        _assert_refused(
            http.post("/v1/claims", json={"text": "one more", "context": context}),
            "over_capacity",
        )

    wait_settled(stack, accepted, timeout=150)
    assert_one_verdict_each(stack, accepted)
