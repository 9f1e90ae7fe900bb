"""The Celery tasks: thin wrappers that decode the message and call :mod:`workers.processing`.

Registered by name (the intake sends them with ``send_task`` and never imports this):

* ``claimcheck.verify_claim(claim_id)`` checks a claim and publishes its verdict;
* ``claimcheck.noop_publish(claim_id)`` publishes a placeholder verdict (benchmark baseline).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import Celery, Task
from celery.exceptions import Reject

from shared.errors import StoreUnavailableError
from shared.tasks import NOOP_TASK_NAME, VERIFY_TASK_NAME
from workers.context import ContextHolder
from workers.processing import Work, check_loaded_claim, publish_noop, run_attempt
from workers.resilience.task_retry import RetryPolicy

log = logging.getLogger(__name__)

RESOURCE_FAILURE_PAUSE_S = 2.0


def register_tasks(
    app: Celery,
    holder: ContextHolder,
    *,
    retry: RetryPolicy,
    verify: Work = check_loaded_claim,
) -> None:
    """Register both tasks on ``app``; they take their resources from ``holder`` and retry
    transient failures under ``retry``.

    ``verify`` is the work of ``claimcheck.verify_claim`` (tests wrap it to inject faults).

    ``shared=False``: a shared task would be copied into every Celery app created later
    in the process, bound to the first app's holder.
    """
    policy = retry

    def run(task: Task, claim_id: Any, work: Work) -> None:
        if not isinstance(claim_id, str) or not claim_id:
            raise ValueError(f"task {task.name} needs a claim id string, got {claim_id!r}")
        try:
            ctx = holder.get()
        except Exception as exc:
            # no resources in this process (Redis down at start, a broken model or source
            # configuration): nothing can be published, so the message goes back rather
            # than being acknowledged without a verdict; the pause keeps a broken worker
            # from spinning through the queue
            log.exception("cannot build worker resources; returning the job to the queue")
            time.sleep(RESOURCE_FAILURE_PAUSE_S)
            raise Reject(f"worker resources unavailable: {exc}", requeue=True) from exc
        try:
            outcome = run_attempt(
                ctx, claim_id, retries=task.request.retries, policy=policy, work=work
            )
        except StoreUnavailableError as exc:
            # even the last attempt's verdict could not be written: give the message back
            # (it comes again, from the queue or after the visibility timeout) rather than
            # acknowledge a claim that has no verdict
            raise Reject(str(exc), requeue=True) from exc
        if outcome.retry is not None:
            raise task.retry(
                exc=outcome.retry.error,
                countdown=outcome.retry.countdown,
                max_retries=policy.max_retries,
            )

    @app.task(name=VERIFY_TASK_NAME, bind=True, ignore_result=True, shared=False)  # type: ignore[untyped-decorator]
    def verify_claim(self: Task, claim_id: str) -> None:
        run(self, claim_id, verify)

    @app.task(name=NOOP_TASK_NAME, bind=True, ignore_result=True, shared=False)  # type: ignore[untyped-decorator]
    def noop_publish(self: Task, claim_id: str) -> None:
        run(self, claim_id, publish_noop)
