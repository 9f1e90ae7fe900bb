"""Helpers of the fault-injection tests: stacks on a private Redis, claim floods, id checks."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

import httpx
import redis

from shared.store.claims import ClaimStore
from shared.store.keys import Keys
from tests.e2e.conftest import Stack, StackFactory
from tests.e2e.redis_server import PrivateRedis

# Short limits so that work held by a dead worker comes back within a test: a message
# not acknowledged after the visibility timeout is restored by any live worker.
FAST_RECOVERY = {
    "task_time_limit_s": 4,
    "task_soft_time_limit_s": 3,
    "visibility_timeout_s": 5,
    "retry_backoff_base_s": 0.2,
    "retry_backoff_max_s": 1.0,
    "stance_scorer": "lexical",
    # every source's time budget must stay under the soft time limit
    "source_timeout_s": 1.0,
    "wikipedia_timeout_s": 1.0,
    "google_factcheck_timeout_s": 1.0,
    # the floods below are one client: per-key limits are not what these tests are about
    "rate_limit_requests_per_min": 0,
    "rate_limit_claims_per_min": 0,
}


def claim_texts(n: int, tag: str = "") -> list[str]:
    """``n`` distinct claims the starter knowledge base can decide."""
    facts = [
        "The APEC summit of 2017 was held in Da Nang, Vietnam.",
        "UN Security Council resolution 2254 was adopted in December 2015.",
        "Dmitry Peskov is the Kremlin's press secretary.",
        "Donald Trump and Vladimir Putin issued a joint statement on Syria.",
    ]
    return [f"{facts[i % len(facts)]} (case {tag}{i})" for i in range(n)]


def submit_claims(
    http: httpx.Client, texts: Iterable[str], *, rate: float | None = None
) -> dict[str, str]:
    """POST each text to /v1/claims (optionally paced); claim id -> text of the accepted."""
    accepted: dict[str, str] = {}
    started = time.monotonic()
    for i, text in enumerate(texts):
        if rate:
            wait = started + i / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        response = http.post("/v1/claims", json={"text": text})
        assert response.status_code == 202, response.text
        accepted[response.json()["claim_id"]] = text
    return accepted


def unacked_count(client: redis.Redis) -> int:
    """Messages delivered to a worker and not acknowledged yet (kombu's ``unacked`` hash)."""
    return int(client.hlen("unacked"))


def requeue_stale_claims(stack: Stack, *, older_than_s: float) -> int:
    """What ``claimcheck requeue --older-than S`` does (an operator's cron job)."""
    from shared.requeue import requeue_stale
    from shared.settings_configs import broker_config, store_config
    from shared.tasks import CeleryEnqueuer

    enqueuer = CeleryEnqueuer(broker_config(stack.settings))
    try:
        store = ClaimStore(stack.redis, store_config(stack.settings))
        return len(requeue_stale(store, enqueuer, older_than_s=older_than_s))
    finally:
        enqueuer.close()


def wait_settled(
    stack: Stack,
    claim_ids: set[str],
    *,
    timeout: float = 90,
    requeue_after_s: float | None = None,
) -> int:
    """Every claim has a verdict, the queue is empty and nothing is held unacknowledged.

    With ``requeue_after_s``, claims still ``queued`` after that long are re-sent every
    few seconds while waiting, as the ``claimcheck requeue`` cron job would; returns how
    many were re-sent.
    """
    requeued = 0
    deadline = time.monotonic() + timeout
    next_sweep = time.monotonic() + (requeue_after_s or 0)
    while True:
        stack.group.check_alive()
        have = {e.data["claim_id"] for e in stack.verdicts_for(claim_ids)}
        if have >= claim_ids and not stack.queue_length() and not unacked_count(stack.redis):
            return requeued
        if time.monotonic() > deadline:
            raise AssertionError(
                f"not settled: {len(claim_ids - have)} claims without a verdict, queue "
                f"{stack.queue_length()}, unacked {unacked_count(stack.redis)}\n"
                f"{stack.group.log_tails()}"
            )
        if requeue_after_s is not None and time.monotonic() >= next_sweep:
            requeued += requeue_stale_claims(stack, older_than_s=requeue_after_s)
            next_sweep = time.monotonic() + 2.0
        time.sleep(0.2)


def assert_one_verdict_each(stack: Stack, claim_ids: set[str]) -> None:
    """Exactly one verdict entry on the stream for every accepted claim, checked by id."""
    counts = Counter(e.data["claim_id"] for e in stack.verdicts_for(claim_ids))
    lost = sorted(claim_ids - set(counts))
    duplicated = {c: n for c, n in counts.items() if n > 1}
    assert not lost and not duplicated, f"lost={lost[:5]} ({len(lost)}) duplicated={duplicated}"


def private_stack(stack_factory: StackFactory, server: PrivateRedis, **overrides: Any) -> Stack:
    """A stack whose store and broker are ``server``, with the fast-recovery limits."""
    stack = stack_factory(redis_url=server.url, **{**FAST_RECOVERY, **overrides})
    stack.redis = server.client()
    return stack


def redelivered(stack: Stack, claim_ids: set[str]) -> int:
    """How many of the claims were delivered to a worker more than once."""
    keys = Keys(stack.settings.key_prefix)
    counts = [stack.redis.hget(keys.claim(c), "deliveries") for c in claim_ids]
    return sum(1 for n in counts if n is not None and int(n) > 1)
