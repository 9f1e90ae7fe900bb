"""``claimcheck``: the operator's commands, each declared in its own module.

Run the service (``serve``, ``worker``), feed it (``submit``, ``kb``, ``factchecks``),
follow it (``watch``), keep it healthy (``requeue``, ``keys``), use its parts offline
(``extract``, ``verify-batch``, ``match``) and try it whole (``demo``). Measurements
(evaluation, calibration, benchmarks, soak) are ``claimcheck-lab``'s (:mod:`lab.main`).

Building the parser imports no model, no intake and no worker code: each handler imports
what it needs when it runs, so ``claimcheck submit`` never loads a model and ``claimcheck
serve`` never imports worker code.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from cli import (
    api_keys,
    demo,
    extract,
    factchecks,
    kb,
    match,
    requeue,
    serve,
    submit,
    verify_batch,
    watch,
    webhooks,
    worker,
)
from cli.commands import Register, build_program, run

COMMANDS: tuple[Register, ...] = (
    serve.register,
    worker.register,
    submit.register,
    watch.register,
    requeue.register,
    api_keys.register,
    webhooks.register,
    kb.register,
    factchecks.register,
    match.register,
    extract.register,
    verify_batch.register,
    demo.register,
)


def build_parser() -> argparse.ArgumentParser:
    return build_program("claimcheck", "Claim verification for newsrooms.", COMMANDS)


def main(argv: Sequence[str] | None = None) -> int:
    return run(build_parser(), argv)
