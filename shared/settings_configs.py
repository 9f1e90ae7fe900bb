"""The configs of the components every process shares, read from the settings.

Only the process roots read :class:`~shared.settings.Settings` (the intake, the worker, the
webhook deliverer, ``cli/`` and ``lab/``; ``tests/test_architecture.py`` keeps it so). A
component takes a small frozen config holding what it needs; the roots build those of the
shared components here, in one place, and those of their own components in their
``components.py`` (:mod:`services.intake.api.components`, :mod:`workers.components`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import redis

from shared.requeue import SweepConfig
from shared.settings import Settings
from shared.store.claims import StoreConfig
from shared.store.publisher import PublisherConfig
from shared.store.streams import GroupReader
from shared.tasks import BrokerConfig

if TYPE_CHECKING:
    # imported where the gauges are made: prometheus_client picks its value storage when
    # first imported, and ``claimcheck worker`` must point it at its multiprocess directory
    # first (workers.metrics_server.prepare), while the command line imports this module
    from shared.store.gauges import RedisGauges


def store_config(settings: Settings) -> StoreConfig:
    """Where claim and article records live and how long they are kept."""
    return StoreConfig(key_prefix=settings.key_prefix, record_ttl_s=settings.record_ttl_s)


def publisher_config(settings: Settings) -> PublisherConfig:
    """The verdict stream, its length cap, and the records' key prefix and TTL."""
    return PublisherConfig(
        key_prefix=settings.key_prefix,
        verdict_stream=settings.verdict_stream,
        stream_maxlen=settings.stream_maxlen,
        record_ttl_s=settings.record_ttl_s,
    )


def broker_config(settings: Settings) -> BrokerConfig:
    """Where the enqueuer sends which task, and how long the broker may take to answer."""
    return BrokerConfig(
        broker_url=settings.effective_broker_url,
        task=settings.verify_task,
        queue=settings.queue_name,
        visibility_timeout_s=settings.visibility_timeout_s,
        socket_timeout_s=settings.redis_socket_timeout_s,
        connect_timeout_s=settings.redis_connect_timeout_s,
    )


def sweep_config(settings: Settings) -> SweepConfig:
    """The re-queue sweep's timing, its queue, and how many pending re-checks it drains."""
    return SweepConfig(
        queue=settings.queue_name,
        interval_s=settings.requeue_interval_s,
        after_s=settings.requeue_after_s,
        key_prefix=settings.key_prefix,
        recheck_limit=settings.recheck_max_per_import if settings.recheck_on_change else 0,
    )


def redis_gauges(client: redis.Redis, settings: Settings) -> RedisGauges:
    """The queue-depth and stream-length gauges of ``client``'s Redis."""
    from shared.store.gauges import RedisGauges

    return RedisGauges(client, queue=settings.queue_name, stream=settings.verdict_stream)


def verdict_reader(
    client: redis.Redis,
    settings: Settings,
    group: str,
    consumer: str,
    *,
    start_id: str = "$",
    block_ms: int = 1000,
) -> GroupReader:
    """A consumer-group reader on the verdict stream with the stream settings applied
    (take-over after ``stream_claim_idle_ms``, dead-lettering after ``stream_max_deliveries``)."""
    return GroupReader(
        client,
        settings.verdict_stream,
        group,
        consumer,
        start_id=start_id,
        block_ms=block_ms,
        claim_idle_ms=settings.stream_claim_idle_ms,
        max_deliveries=settings.stream_max_deliveries,
        dead_letter_stream=settings.effective_dead_letter_stream,
        dead_letter_maxlen=settings.stream_maxlen,
    )
