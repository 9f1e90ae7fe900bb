"""``claimcheck serve``: the intake HTTP service (never imports worker code)."""

from __future__ import annotations

import argparse

from cli.commands import Subparsers, add_command
from shared.settings import Settings


def run(args: argparse.Namespace, settings: Settings) -> int:
    from services.intake.api.server import run_server

    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    run_server(settings.model_copy(update=overrides) if overrides else settings)
    return 0


def register(subparsers: Subparsers) -> None:
    p = add_command(subparsers, "serve", run, help="run the intake HTTP service", needs_auth=True)
    p.add_argument("--host", help="address to listen on (default: CLAIMCHECK_HOST)")
    p.add_argument("--port", type=int, help="port to listen on (default: CLAIMCHECK_PORT)")
