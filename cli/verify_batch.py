"""``claimcheck verify-batch``: verdicts for claims in a JSONL file, offline (no Redis)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.commands import Subparsers, add_command
from shared.settings import Settings


def run(args: argparse.Namespace, settings: Settings) -> int:
    from workers.context import build_verifier
    from workers.verification.batch import verify_batch

    progress = sys.stderr.isatty() and not args.no_progress
    verifier = build_verifier(settings)
    stats = verify_batch(args.input, args.output, verifier, progress=progress)
    print(stats, file=sys.stderr)
    return 0


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers, "verify-batch", run, help="verify claims from JSONL offline (no Redis)"
    )
    p.add_argument("--input", required=True, type=Path, help="JSONL rows {id, claim, evidence?}")
    p.add_argument("--output", required=True, type=Path, help="JSONL verdicts, in input order")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
