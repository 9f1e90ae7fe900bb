"""Workers killed, stopped and crashed by a poison job: every accepted claim ends with
exactly one verdict on the stream, checked by id.

Each test runs on its own redis-server (so kombu's ``unacked`` hash is the test's own)
and stops every process it started.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from cli.processes import wait_until
from shared.schemas import Verdict
from tests.e2e.conftest import Stack, StackFactory
from tests.e2e.fault_worker import WorkerFaults
from tests.e2e.faults import (
    assert_one_verdict_each,
    claim_texts,
    private_stack,
    redelivered,
    submit_claims,
    wait_settled,
)
from tests.e2e.redis_server import PrivateRedisFactory
from workers.celery_app import create_celery_app

pytestmark = pytest.mark.e2e


def _checking(stack: Stack, claim_ids: set[str]) -> bool:
    with stack.http() as http:
        return any(http.get(f"/v1/claims/{c}").json()["status"] == "checking" for c in claim_ids)


def _one_worker_checking(
    stack_factory: StackFactory, redis_factory: PrivateRedisFactory, delay_s: float, claims: int
) -> tuple[Stack, set[str]]:
    """An intake and one worker (each check takes ``delay_s``) on a private Redis, and
    ``claims`` claims accepted; returns once one of them is being checked."""
    stack = private_stack(stack_factory, redis_factory(), faults=WorkerFaults(delay_s=delay_s))
    stack.start_intake()
    stack.start_worker("w1", concurrency=1)
    with stack.http() as http:
        claim_ids = set(submit_claims(http, claim_texts(claims, f"slow{delay_s:g}")))
    wait_until(lambda: _checking(stack, claim_ids), timeout=30, what="a claim being checked")
    return stack, claim_ids


def test_workers_killed_repeatedly_while_200_claims_flow(
    stack_factory: StackFactory, private_redis_factory: PrivateRedisFactory
) -> None:
    server = private_redis_factory()
    stack = private_stack(stack_factory, server, faults=WorkerFaults(delay_s=0.05))
    stack.start_intake()
    for name in ("w0", "w1"):
        stack.start_worker(name, concurrency=2)

    accepted: dict[str, str] = {}

    def flow() -> None:
        with stack.http() as http:
            accepted.update(submit_claims(http, claim_texts(200, "kill"), rate=25))

    producer = threading.Thread(target=flow)
    producer.start()
    kills = 0
    while producer.is_alive():
        time.sleep(1.5)
        victim = f"w{kills % 2}"
        stack.kill(victim, signal.SIGKILL)  # the worker and its pool, mid-job
        stack.start_worker(victim, concurrency=2)
        kills += 1
    producer.join()

    assert len(accepted) == 200 and kills >= 4
    claim_ids = set(accepted)
    # A job whose worker dies between kombu's BRPOP and its write to the ``unacked`` hash
    # is gone from Redis (a known window of the Redis transport); its claim stays
    # ``queued`` and the ``claimcheck requeue`` sweep sends it again.
    requeued = wait_settled(stack, claim_ids, timeout=90, requeue_after_s=10)
    assert_one_verdict_each(stack, claim_ids)
    assert redelivered(stack, claim_ids) >= 1, "no kill hit a job in flight"
    assert requeued <= 5, f"{requeued} claims needed the requeue sweep"


def test_worker_stopped_with_sigterm_finishes_its_job_first(
    stack_factory: StackFactory, private_redis_factory: PrivateRedisFactory
) -> None:
    stack, claim_ids = _one_worker_checking(stack_factory, private_redis_factory, 1.5, 6)

    # a warm shutdown: SIGTERM to the main process only, as `docker stop` sends it
    proc = next(p for name, p in stack.group.procs if name == "w1")
    os.kill(proc.pid, signal.SIGTERM)
    assert proc.wait(30) == 0
    stack.group.stop("w1")
    # the job it was running was finished and published before it exited
    assert len(stack.verdicts_for(claim_ids)) >= 1

    stack.start_worker("w2", concurrency=2)
    wait_settled(stack, claim_ids, timeout=60)
    assert_one_verdict_each(stack, claim_ids)


def test_poison_job_that_kills_its_worker_ends_failed_after_n_tries(
    stack_factory: StackFactory, private_redis_factory: PrivateRedisFactory
) -> None:
    server = private_redis_factory()
    stack = private_stack(
        stack_factory,
        server,
        faults=WorkerFaults(poison_matching="POISON", poison_mode="kill"),
        task_max_crashes=2,
    )
    stack.start_intake()
    stack.start_worker("w1", concurrency=1)
    with stack.http() as http:
        normal = submit_claims(http, claim_texts(4, "ok"))
        poison = submit_claims(http, ["POISON: the Da Nang summit was held on the Moon."])
    poison_id = next(iter(poison))
    claim_ids = set(normal) | {poison_id}

    wait_settled(stack, claim_ids, timeout=90)
    assert_one_verdict_each(stack, claim_ids)
    verdicts = {e.data["claim_id"]: Verdict.model_validate(e.data) for e in stack.entries()}
    bad = verdicts[poison_id]
    assert bad.failed and bad.label == "not_enough_info" and bad.needs_review
    assert bad.attempts == 2
    assert bad.reason is not None and "crashed its worker process 2 times" in bad.reason
    assert not any(verdicts[c].failed for c in normal)
    with stack.http() as http:
        assert http.get(f"/v1/claims/{poison_id}").json()["status"] == "failed"
    # the pool child was killed twice and replaced; the worker itself lives on
    log = (stack.group.log_dir / "w1.log").read_text(errors="replace")
    assert log.count("debug poison claim: killing this worker process") == 2


def test_poison_job_that_raises_ends_failed_at_once(
    stack_factory: StackFactory, private_redis_factory: PrivateRedisFactory
) -> None:
    server = private_redis_factory()
    stack = private_stack(
        stack_factory, server, faults=WorkerFaults(poison_matching="^POISON", poison_mode="raise")
    )
    stack.start_intake()
    stack.start_worker("w1", concurrency=1)
    with stack.http() as http:
        accepted = submit_claims(http, ["POISON claim about APEC 2017.", *claim_texts(2, "r")])
    claim_ids = set(accepted)
    wait_settled(stack, claim_ids, timeout=60)
    assert_one_verdict_each(stack, claim_ids)
    failed = [Verdict.model_validate(e.data) for e in stack.verdicts_for(claim_ids)]
    failed = [v for v in failed if v.failed]
    assert len(failed) == 1 and failed[0].claim.startswith("POISON")
    assert failed[0].attempts == 1
    assert (
        failed[0].reason
        == "internal error: PoisonClaimError: debug poison claim: the verifier crashed"
    )


def test_a_worker_killed_while_restoring_does_not_stall_recovery(
    stack_factory: StackFactory, private_redis_factory: PrivateRedisFactory
) -> None:
    """kombu restores a dead worker's messages under a mutex (``unacked_mutex``); a worker
    killed while holding it used to block every restore for kombu's default 300 s."""
    stack, claim_ids = _one_worker_checking(stack_factory, private_redis_factory, 30, 1)
    stack.kill("w1", signal.SIGKILL)  # its job stays in kombu's ``unacked`` hash
    # as left by a worker killed in the middle of a restore: the mutex held for as long as
    # the workers' transport options say (kombu's default: 300 s)
    options = create_celery_app(stack.settings).conf.broker_transport_options
    stack.redis.set(
        "unacked_mutex", "held-by-a-dead-worker", ex=options.get("unacked_mutex_expire", 300)
    )
    stack.faults = WorkerFaults()
    stack.start_worker("w2", concurrency=1)
    wait_settled(stack, claim_ids, timeout=60)
    assert_one_verdict_each(stack, claim_ids)
