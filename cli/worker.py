"""``claimcheck worker``: a Celery worker that checks the queued claims."""

from __future__ import annotations

import argparse

from cli.commands import Subparsers, add_command
from shared.settings import Settings


def run(args: argparse.Namespace, settings: Settings) -> int:
    from workers import metrics_server

    metrics_server.prepare(settings)  # before anything imports prometheus_client
    from workers.runner import run_worker

    run_worker(
        settings,
        concurrency=args.concurrency,
        pool=args.pool,
        loglevel=args.loglevel or settings.log_level,
        hostname=args.hostname,
    )
    return 0


def register(subparsers: Subparsers) -> None:
    p = add_command(subparsers, "worker", run, help="run a Celery worker that checks claims")
    p.add_argument("--concurrency", type=int, help="processes (default: settings)")
    p.add_argument(
        "--pool",
        default="prefork",
        choices=["prefork", "solo", "threads"],
        help="Celery execution pool (default: prefork)",
    )
    p.add_argument("--loglevel", help="log level (default: CLAIMCHECK_LOG_LEVEL)")
    p.add_argument("--hostname", help="Celery node name, e.g. worker1@%%h")
