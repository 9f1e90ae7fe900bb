"""The re-queue sweep on the real Redis and broker: stale claims, the lock, the backlog."""

from __future__ import annotations

import time

import redis

from shared.requeue import RequeueSweeper, requeue_stale
from shared.settings_configs import broker_config, store_config, sweep_config
from shared.store.claims import ClaimRecord, ClaimStore
from shared.store.client import make_redis
from shared.store.keys import Keys
from shared.tasks import CeleryEnqueuer
from tests.conftest import SettingsFactory


def test_only_old_queued_claims_are_requeued(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    client = make_redis(settings)
    store = ClaimStore(client, store_config(settings))
    old_ms = int((time.time() - 3600) * 1000)
    stale = ClaimRecord(claim_id="clm_stale", text="A claim.", created_at_ms=old_ms)
    recent = ClaimRecord(claim_id="clm_recent", text="A claim.")
    done = ClaimRecord(claim_id="clm_done", text="A claim.", status="done", created_at_ms=old_ms)
    store.save([stale, recent, done])
    enqueuer = CeleryEnqueuer(broker_config(settings))
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


def test_sweep_sends_stale_jobs_once_per_interval_and_never_over_a_backlog(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory(requeue_interval_s=60, requeue_after_s=30)
    client = make_redis(settings)
    store = ClaimStore(client, store_config(settings))
    enqueuer = CeleryEnqueuer(broker_config(settings))
    old_ms = int((time.time() - 3600) * 1000)
    store.save([ClaimRecord(claim_id="clm_lost", text="A claim.", created_at_ms=old_ms)])
    store.save([ClaimRecord(claim_id="clm_new", text="A claim.")])
    first = RequeueSweeper(client, store, enqueuer, sweep_config(settings))
    second = RequeueSweeper(client, store, enqueuer, sweep_config(settings))
    try:
        # a backlog is waiting: its claims are queued for a good reason, nothing is sent
        redis_client.rpush(settings.queue_name, "a job that is waiting")
        assert first.sweep_once() == []
        redis_client.delete(settings.queue_name)
        redis_client.delete(Keys(settings.key_prefix).requeue_lock())
        assert first.sweep_once() == ["clm_lost"]
        assert redis_client.llen(settings.queue_name) == 1 and first.requeued == 1
        # within the same interval another intake does not sweep again
        redis_client.delete(settings.queue_name)
        assert second.sweep_once() == []
        assert redis_client.llen(settings.queue_name) == 0
    finally:
        enqueuer.close()
        client.close()
        client.connection_pool.disconnect()


def test_the_queue_is_looked_at_on_the_broker_not_the_store(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory(requeue_interval_s=60, requeue_after_s=30)
    client = make_redis(settings)
    broker = make_redis(settings, url=settings.redis_url.rsplit("/", 1)[0] + "/1")
    store = ClaimStore(client, store_config(settings))
    enqueuer = CeleryEnqueuer(broker_config(settings))
    old_ms = int((time.time() - 3600) * 1000)
    store.save([ClaimRecord(claim_id="clm_waiting", text="A claim.", created_at_ms=old_ms)])
    sweeper = RequeueSweeper(client, store, enqueuer, sweep_config(settings), broker=broker)
    try:
        broker.rpush(settings.queue_name, "a job waiting on the broker")
        assert sweeper.sweep_once() == []  # the store's Redis has no queue: still a backlog
    finally:
        broker.delete(settings.queue_name)
        enqueuer.close()
        for c in (client, broker):
            c.close()
            c.connection_pool.disconnect()
