"""``claimcheck requeue``: one run of the intake's re-queue sweep, for an operator's cron
job (the intake runs the same sweep by itself every ``CLAIMCHECK_REQUEUE_INTERVAL_S``).

It is :meth:`shared.requeue.RequeueSweeper.sweep_once`: the jobs of claims still ``queued`` after
``--older-than`` seconds are sent again only while the queue is empty (a backlog's claims
are queued for a good reason) and only if no intake swept within its interval. It prints
one line: what it sent again, or why it sent nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging

from cli.commands import Subparsers, add_command
from shared.settings import Settings


def run(args: argparse.Namespace, settings: Settings) -> int:
    from shared.requeue import STALE_LOGGER, RequeueSweeper
    from shared.settings_configs import broker_config, store_config, sweep_config
    from shared.store.claims import ClaimStore
    from shared.store.client import make_redis
    from shared.tasks import CeleryEnqueuer, jobs_waiting

    client = make_redis(settings)
    broker = client
    if settings.effective_broker_url != settings.redis_url:
        broker = make_redis(settings, url=settings.effective_broker_url)
    enqueuer = CeleryEnqueuer(broker_config(settings))
    swept = dataclasses.replace(sweep_config(settings), after_s=args.older_than)
    sweeper = RequeueSweeper(
        client, ClaimStore(client, store_config(settings)), enqueuer, swept, broker=broker
    )
    logging.getLogger(STALE_LOGGER).setLevel(logging.ERROR)  # the line below says it
    try:
        waiting = jobs_waiting(broker, settings.queue_name)
        ids = [] if waiting else sweeper.sweep_once()
    finally:
        enqueuer.close()
        for redis_client in {id(client): client, id(broker): broker}.values():
            redis_client.close()
    print(_outcome(len(ids), waiting, args.older_than, settings))
    return 0


def _outcome(sent: int, waiting: int, older_than: float, settings: Settings) -> str:
    """The line that says what the sweep did."""
    if waiting:
        return (
            f"re-queued nothing: {waiting} jobs are waiting on {settings.queue_name} "
            "(the sweep runs only when the queue is empty)"
        )
    if not sent:
        swept = settings.requeue_interval_s
        recent = f", or an intake swept within the last {swept:.0f}s" if swept > 0 else ""
        return f"re-queued nothing: no claim queued longer than {older_than:.0f}s{recent}"
    return f"re-queued {sent} claims still queued after {older_than:.0f}s"


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers,
        "requeue",
        run,
        help="re-send jobs of claims stuck in 'queued' (the intake's sweep, run once)",
        needs_auth=True,
    )
    p.add_argument(
        "--older-than",
        type=float,
        default=600.0,
        help="only claims queued longer than this many seconds (default 600)",
    )
