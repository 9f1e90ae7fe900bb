"""A claim stored without its job (the intake died in between) still gets its verdict,
sent again by the intake's own sweep: no operator, no cron."""

from __future__ import annotations

import time

import pytest

from shared.settings_configs import store_config
from shared.store.claims import ClaimRecord, ClaimStore
from shared.store.client import make_redis
from tests.e2e.conftest import StackFactory

pytestmark = pytest.mark.e2e


def test_a_claim_left_queued_without_a_job_is_checked_by_itself(
    stack_factory: StackFactory,
) -> None:
    stack = stack_factory(
        stance_scorer="lexical", auth_enabled=False, requeue_interval_s=1, requeue_after_s=2
    )
    client = make_redis(stack.settings)
    try:
        old_ms = int((time.time() - 10) * 1000)
        orphan = ClaimRecord(
            claim_id="clm_orphan", text="Da Nang hosted the APEC summit.", created_at_ms=old_ms
        )
        ClaimStore(client, store_config(stack.settings)).save([orphan])
        assert stack.queue_length() == 0  # no job anywhere
        stack.start_worker()
        stack.start_intake()
        [verdict] = stack.wait_for_verdicts({"clm_orphan"}, timeout=60)
        assert verdict.data["claim"] == orphan.text
        time.sleep(3)  # a few more sweeps: the claim is done, nothing is sent again
        assert len(stack.verdicts_for({"clm_orphan"})) == 1
    finally:
        client.close()
        client.connection_pool.disconnect()
