"""The workers' ``/metrics`` endpoint (prometheus_client multiprocess mode).

:func:`prepare` must run before anything imports ``prometheus_client`` (it picks its value
storage at import time): ``claimcheck worker`` calls it first thing. :func:`serve` then
starts the HTTP endpoint in the worker's main process, which sums the files every pool
process writes and adds the Redis gauges (queue depth, stream length).
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from shared.settings import Settings

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare(settings: Settings) -> Path | None:
    """Point prometheus_client at an empty multiprocess directory; None when metrics are off.

    An operator's ``PROMETHEUS_MULTIPROC_DIR`` is used (and emptied of old samples);
    otherwise a private temporary directory is made and removed at exit.
    """
    if settings.worker_metrics_port == 0:
        return None
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for old in path.glob("*.db"):
            old.unlink()
        return path
    path = Path(tempfile.mkdtemp(prefix="claimcheck-metrics-"))
    os.environ[MULTIPROC_ENV] = str(path)
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def serve(settings: Settings) -> Callable[[], None]:
    """Serve ``/metrics`` on ``settings.worker_metrics_port``; returns a function to stop it."""
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    from shared.store.client import make_redis
    from shared.store.gauges import RedisGauges

    if not os.environ.get(MULTIPROC_ENV):
        raise RuntimeError(f"call prepare() first: {MULTIPROC_ENV} is not set")
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    client = make_redis(settings)
    registry.register(RedisGauges.from_settings(client, settings))
    host, port = settings.worker_metrics_host, settings.worker_metrics_port
    server, thread = start_http_server(port, addr=host, registry=registry)
    log.info("worker metrics on http://%s:%d/metrics", host, port)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        client.close()
        client.connection_pool.disconnect()

    return stop
