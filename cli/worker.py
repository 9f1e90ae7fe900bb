"""``claimcheck worker``: a Celery worker that checks the queued claims.

Before the worker starts it says, in one line on stderr, when its knowledge base is empty
(every claim would end ``not_enough_info``) and which command fills it.
"""

from __future__ import annotations

import argparse
import sys

from cli.commands import Subparsers, add_command
from shared.settings import Settings


def run(args: argparse.Namespace, settings: Settings) -> int:
    from workers import metrics_server

    # before anything imports prometheus_client
    metrics_server.prepare(settings.worker_metrics_port)
    from workers.components import sources_config
    from workers.runner import run_worker
    from workers.sources.registry import knowledge_base_warning

    if args.task_events:
        settings = settings.model_copy(update={"worker_task_events": True})
    warning = knowledge_base_warning(sources_config(settings))
    if warning:
        print(f"claimcheck worker: {warning}", file=sys.stderr, flush=True)

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
    p.add_argument(
        "--task-events",
        action="store_true",
        help="send task events for Flower / celery events (CLAIMCHECK_WORKER_TASK_EVENTS)",
    )
