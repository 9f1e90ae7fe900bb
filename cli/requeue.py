"""``claimcheck requeue``: re-send the jobs of claims stuck in ``queued`` (an operator's cron
job; the intake's own sweeper does the same while it runs)."""

from __future__ import annotations

import argparse

from cli.commands import Subparsers, add_command
from shared.settings import Settings


def run(args: argparse.Namespace, settings: Settings) -> int:
    from services.intake.api.queue import CeleryEnqueuer
    from services.intake.api.recovery import requeue_stale
    from shared.redis_client import make_redis
    from shared.store import ClaimStore

    client = make_redis(settings)
    enqueuer = CeleryEnqueuer(settings)
    try:
        ids = requeue_stale(ClaimStore(client, settings), enqueuer, older_than_s=args.older_than)
    finally:
        enqueuer.close()
        client.close()
    print(f"re-queued {len(ids)} claims still queued after {args.older_than:.0f}s")
    return 0


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers, "requeue", run, help="re-send jobs of claims stuck in 'queued'", needs_auth=True
    )
    p.add_argument(
        "--older-than",
        type=float,
        default=600.0,
        help="only claims queued longer than this many seconds (default 600)",
    )
