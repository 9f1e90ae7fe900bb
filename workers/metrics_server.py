"""The workers' ``/metrics`` endpoint (prometheus_client multiprocess mode).

:func:`prepare` must run before anything imports ``prometheus_client`` (it picks its value
storage at import time): ``claimcheck worker`` calls it first thing. :func:`serve` then
starts the HTTP endpoint in the worker's main process, which sums the files every pool
process writes and adds the collectors it is given (the Redis gauges: queue depth, stream
length).
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare(port: int) -> Path | None:
    """Point prometheus_client at an empty multiprocess directory; None when metrics are off
    (``port`` 0, as ``CLAIMCHECK_WORKER_METRICS_PORT`` turns them off).

    An operator's ``PROMETHEUS_MULTIPROC_DIR`` is used (and emptied of old samples);
    otherwise a private temporary directory is made and removed at exit.
    """
    if port == 0:
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


def serve(host: str, port: int, *collectors: Collector) -> Callable[[], None]:
    """Serve ``/metrics`` on ``host``:``port`` with ``collectors`` added to the pool
    processes' samples; returns a function to stop it (the caller closes what the
    collectors hold)."""
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    if not os.environ.get(MULTIPROC_ENV):
        raise RuntimeError(f"call prepare() first: {MULTIPROC_ENV} is not set")
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    for collector in collectors:
        registry.register(collector)
    server, thread = start_http_server(port, addr=host, registry=registry)
    log.info("worker metrics on http://%s:%d/metrics", host, port)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
