"""A claimcheck worker with faults installed, for the fault-injection tests only.

``python -m tests.e2e.fault_worker --concurrency N --hostname NAME`` starts the normal
worker (:func:`workers.runner.run_worker`) running :func:`faulty_check` instead of its check;
the faults come as JSON in ``E2E_WORKER_FAULTS`` (see :class:`WorkerFaults`), the
settings from the ``CLAIMCHECK_*`` environment as usual. Production code knows nothing of
this: the worker only takes the check it runs as an argument.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal

from workers.logs import claim_logger

if TYPE_CHECKING:  # imported late: the metrics directory must be prepared first
    from shared.store.claims import ClaimRecord
    from shared.store.publisher import PublishResult
    from workers.context import WorkerContext
    from workers.processing import Work

FAULTS_ENV = "E2E_WORKER_FAULTS"

log = logging.getLogger(__name__)


class PoisonClaimError(RuntimeError):
    """What a poison claim raises in ``raise`` mode."""


@dataclass(frozen=True)
class WorkerFaults:
    """The faults a test worker injects into every check, after the claim is marked checking."""

    delay_s: float = 0.0
    """Sleep this long in every check."""
    poison_matching: str | None = None
    """The check crashes on every claim whose text matches this regular expression ..."""
    poison_mode: Literal["raise", "kill"] = "kill"
    """... by raising :class:`PoisonClaimError`, or by killing its worker process (SIGKILL,
    like a native crash or the OOM killer)."""

    def to_env(self) -> dict[str, str]:
        return {FAULTS_ENV: json.dumps(asdict(self))}

    @classmethod
    def from_env(cls) -> WorkerFaults:
        return cls(**json.loads(os.environ.get(FAULTS_ENV, "{}")))


def faulty_check(faults: WorkerFaults) -> Work:
    """The worker's check with ``faults`` injected between marking the claim as being
    checked and verifying it, where a slow or crashing verifier would be."""
    from workers.processing import start_check, verify_and_publish

    poison = re.compile(faults.poison_matching) if faults.poison_matching else None

    def check(ctx: WorkerContext, claim: ClaimRecord, final: bool) -> PublishResult | None:
        if not start_check(ctx, claim):
            return None
        clog = claim_logger(log, claim.claim_id, claim.article_id)
        if faults.delay_s > 0:
            clog.info("debug delay: sleeping %.1fs", faults.delay_s)
            time.sleep(faults.delay_s)
        if poison is not None and poison.search(claim.text):
            if faults.poison_mode == "kill":
                clog.error("debug poison claim: killing this worker process")
                logging.shutdown()
                os.kill(os.getpid(), signal.SIGKILL)
            raise PoisonClaimError("debug poison claim: the verifier crashed")
        return verify_and_publish(ctx, claim, final)

    return check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int)
    parser.add_argument("--hostname")
    args = parser.parse_args()

    from shared.settings import load_settings
    from workers import metrics_server

    settings = load_settings(auth_enabled=False)  # as `claimcheck worker` loads them
    # before anything imports prometheus_client
    metrics_server.prepare(settings.worker_metrics_port)
    from workers.runner import run_worker

    run_worker(
        settings,
        concurrency=args.concurrency,
        loglevel=settings.log_level,
        hostname=args.hostname,
        verify=faulty_check(WorkerFaults.from_env()),
    )


if __name__ == "__main__":
    main()
