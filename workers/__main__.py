"""``python -m workers``: run a worker configured from ``CLAIMCHECK_*`` variables.

Options: ``--concurrency N``, ``--pool prefork|solo|threads``, ``--loglevel LEVEL``,
``--hostname NAME``. API keys are not needed here (only the intake checks them).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from shared.errors import ConfigurationError
from shared.settings import load_settings
from workers.runner import POOLS, run_worker


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__)
    parser.add_argument("--concurrency", type=int, default=None)
    parser.add_argument("--pool", choices=POOLS, default="prefork")
    parser.add_argument("--loglevel", default=None)
    parser.add_argument("--hostname", default=None)
    args = parser.parse_args(argv)
    try:
        settings = load_settings(auth_enabled=False)
    except ConfigurationError as exc:
        print(f"workers: {exc}", file=sys.stderr)
        return 2
    run_worker(
        settings,
        concurrency=args.concurrency,
        pool=args.pool,
        loglevel=args.loglevel or settings.log_level,
        hostname=args.hostname,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
