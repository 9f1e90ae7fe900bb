"""``claimcheck verify-batch``: verdicts for claims in a JSONL file, offline (no Redis)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.commands import Subparsers, add_command
from shared.settings import Settings


def run(args: argparse.Namespace, settings: Settings) -> int:
    from workers.context import build_policy, build_process_embedder, build_verifier
    from workers.verification.batch import verify_batch

    progress = sys.stderr.isatty() and not args.no_progress
    if args.redis_url is None:
        verifier = build_verifier(settings)
        stats = verify_batch(args.input, args.output, verifier, progress=progress)
    else:
        from shared.store.client import make_redis

        with_redis = settings.model_copy(update={"redis_url": args.redis_url})
        client = make_redis(with_redis)
        embedder = build_process_embedder(with_redis)
        verifier = build_verifier(with_redis, embedder=embedder)
        try:
            policy = build_policy(with_redis, client, verifier, embedder)
            stats = verify_batch(
                args.input,
                args.output,
                verifier,
                progress=progress,
                policy=policy,
                newsroom=args.newsroom,
            )
        finally:
            client.close()
    print(stats, file=sys.stderr)
    return 0


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers,
        "verify-batch",
        run,
        help="verify claims from JSONL offline (Redis only with --redis-url)",
    )
    p.add_argument("--input", required=True, type=Path, help="JSONL rows {id, claim, evidence?}")
    p.add_argument("--output", required=True, type=Path, help="JSONL verdicts, in input order")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument(
        "--redis-url",
        default=None,
        help="settle verdicts as the service does, with the newsroom's rulings and earlier "
        "checks kept in this Redis (default: none; every claim is checked)",
    )
    p.add_argument(
        "--newsroom",
        default=None,
        help="with --redis-url: whose rulings and checks (default: none)",
    )
