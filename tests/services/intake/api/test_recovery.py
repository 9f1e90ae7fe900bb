from __future__ import annotations

import time

import redis

from services.intake.api.queue import CeleryEnqueuer
from services.intake.api.recovery import requeue_stale
from shared.redis_client import make_redis
from shared.store import ClaimRecord, ClaimStore
from tests.conftest import SettingsFactory


def test_only_old_queued_claims_are_requeued(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    client = make_redis(settings)
    store = ClaimStore.from_settings(client, settings)
    old_ms = int((time.time() - 3600) * 1000)
    stale = ClaimRecord(claim_id="clm_stale", text="A claim.", created_at_ms=old_ms)
    recent = ClaimRecord(claim_id="clm_recent", text="A claim.")
    done = ClaimRecord(claim_id="clm_done", text="A claim.", status="done", created_at_ms=old_ms)
    store.save([stale, recent, done])
    enqueuer = CeleryEnqueuer.from_settings(settings)
    try:
        requeued = requeue_stale(store, enqueuer, older_than_s=600)
        assert requeued == ["clm_stale"]
        assert redis_client.llen(settings.queue_name) == 1
        # nothing else is stale: a second sweep sends nothing more
        store.save([stale.model_copy(update={"status": "checking"})])
        assert requeue_stale(store, enqueuer, older_than_s=600) == []
        assert redis_client.llen(settings.queue_name) == 1
    finally:
        enqueuer.close()
        client.close()
        client.connection_pool.disconnect()
