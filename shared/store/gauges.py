"""Gauges read from Redis when Prometheus scrapes: queue depth and stream length.

Both the intake and the workers register a :class:`RedisGauges` collector; a scrape costs
two Redis commands (``LLEN`` and ``XLEN``). A Redis that does not answer leaves the gauges
out of that scrape (and ``claimcheck_redis_up`` 0) instead of failing the whole scrape.
"""

from __future__ import annotations

from collections.abc import Iterator

import redis
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


class RedisGauges(Collector):
    """``claimcheck_queue_depth``, ``claimcheck_stream_length`` and ``claimcheck_redis_up``."""

    def __init__(self, client: redis.Redis, *, queue: str, stream: str) -> None:
        self._redis = client
        self._queue = queue
        self._stream = stream

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("claimcheck_redis_up", "1 when Redis answered this scrape")
        try:
            depth = int(self._redis.llen(self._queue))
            length = int(self._redis.xlen(self._stream))
        except redis.RedisError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        queue = GaugeMetricFamily(
            "claimcheck_queue_depth", "Verification jobs waiting in the Celery queue"
        )
        queue.add_metric([], depth)
        yield queue
        stream = GaugeMetricFamily(
            "claimcheck_stream_length", "Entries in the verdict stream (after trimming)"
        )
        stream.add_metric([], length)
        yield stream
