"""Start a claimcheck Celery worker: what ``claimcheck worker`` runs.

``celery -A workers.celery_app`` finds an app built the same way (:mod:`workers.celery_app`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from shared.settings import Settings
from shared.settings_configs import redis_gauges
from shared.store.client import durability_warning, make_redis
from workers.celery_app import create_celery_app
from workers.metrics_server import serve as serve_metrics
from workers.processing import Work, check_loaded_claim

log = logging.getLogger(__name__)

POOLS = ("prefork", "solo", "threads")


def _warn_if_not_durable(settings: Settings) -> None:
    client = make_redis(settings)
    try:
        warning = durability_warning(client)
    finally:
        client.close()
    if warning:
        log.warning("%s", warning)


def _serve_metrics(settings: Settings) -> Callable[[], None]:
    """Serve the worker's ``/metrics`` with the Redis gauges; returns a function to stop it
    (and close the gauges' Redis client)."""
    client = make_redis(settings)
    try:
        stop = serve_metrics(
            settings.worker_metrics_host,
            settings.worker_metrics_port,
            redis_gauges(client, settings),
        )
    except BaseException:
        client.close()
        client.connection_pool.disconnect()
        raise

    def stop_all() -> None:
        stop()
        client.close()
        client.connection_pool.disconnect()

    return stop_all


def worker_argv(
    settings: Settings,
    *,
    concurrency: int | None = None,
    pool: str = "prefork",
    loglevel: str = "INFO",
    hostname: str | None = None,
) -> list[str]:
    """The ``celery worker`` command line for these settings (exposed for tests)."""
    if pool not in POOLS:
        raise ValueError(f"pool must be one of {', '.join(POOLS)}, not {pool!r}")
    argv = [
        "worker",
        f"--loglevel={loglevel.upper()}",
        f"--pool={pool}",
        f"--queues={settings.queue_name}",
        # no gossip/mingle/heartbeat: workers need not know each other, and start faster
        "--without-gossip",
        "--without-mingle",
    ]
    if not settings.worker_task_events:
        argv.append("--without-heartbeat")  # Flower needs heartbeats to show workers online
    if pool != "solo":
        argv.append(f"--concurrency={concurrency or settings.worker_concurrency}")
    if hostname:
        argv.append(f"--hostname={hostname}")
    return argv


def run_worker(
    settings: Settings,
    *,
    concurrency: int | None = None,
    pool: str = "prefork",
    loglevel: str = "INFO",
    hostname: str | None = None,
    verify: Work = check_loaded_claim,
) -> None:
    """Run a worker in this process until it is stopped (SIGTERM: warm shutdown).

    ``verify`` is the work of a check (tests wrap it to inject faults).
    """
    argv = worker_argv(
        settings, concurrency=concurrency, pool=pool, loglevel=loglevel, hostname=hostname
    )
    app = create_celery_app(settings, verify=verify)
    log.info("starting worker: %s", " ".join(argv))
    _warn_if_not_durable(settings)
    stop_metrics = _serve_metrics(settings) if settings.worker_metrics_port else None
    try:
        app.worker_main(argv)
    finally:
        if stop_metrics is not None:
            stop_metrics()
