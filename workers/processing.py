"""What a task does, as plain functions of a :class:`WorkerContext` (no Celery here).

* :func:`check_claim` verifies one claim and publishes its verdict;
* :func:`publish_noop` publishes the benchmark's placeholder verdict;
* :func:`run_attempt` runs one attempt of either and turns every failure into a decision:
  retry later (transient errors with retries left), or publish a ``not_enough_info``
  verdict that says why, so no claim is ever left without a verdict.

Everything is safe to run twice for one claim: a claim that already has a verdict is
skipped, and the publisher's atomic guard refuses a second verdict anyway.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import redis

from shared.errors import (
    ClaimNotFoundError,
    PermanentError,
    StoreUnavailableError,
    TransientError,
    TransientSourceError,
)
from shared.schemas import SourceFailure, Verdict
from shared.store.claims import ClaimRecord
from shared.store.publisher import PublishResult
from workers import metrics
from workers.context import WorkerContext
from workers.logs import ClaimLogger, claim_logger
from workers.newsroom.repeats import Repeats
from workers.resilience.task_retry import RetryDecision, RetryPolicy, decide_retry
from workers.verification import publish_policy
from workers.verification.publish_policy import Published

log = logging.getLogger(__name__)

NOOP_VERSION = "noop"
NOOP_REASON = "no-op baseline"
FALLBACK_VERSION = "fallback"

Work = Callable[[WorkerContext, ClaimRecord, bool], PublishResult | None]
_T = TypeVar("_T")


@dataclass(frozen=True)
class AttemptOutcome:
    """What one attempt came to: a publication, a retry to schedule, or nothing to do."""

    result: PublishResult | None = None
    retry: RetryDecision | None = None


# --- the work itself -------------------------------------------------------------------


def load_claim(ctx: WorkerContext, claim_id: str) -> ClaimRecord | None:
    return _store(lambda: ctx.store.get_claim(claim_id))


def check_claim(ctx: WorkerContext, claim_id: str, *, final_attempt: bool) -> PublishResult | None:
    """Verify a claim and publish its verdict; None when there was nothing to do.

    On the ``final_attempt`` a source that fails transiently no longer raises: the check
    goes ahead without it and the verdict lists it in ``sources_failed``.
    """
    claim = load_claim(ctx, claim_id)
    if claim is None:
        claim_logger(log, claim_id, None).warning("claim not in the store; dropping the task")
        return None
    return check_loaded_claim(ctx, claim, final_attempt)


def check_loaded_claim(
    ctx: WorkerContext, claim: ClaimRecord, final_attempt: bool
) -> PublishResult | None:
    """The check a task runs: :func:`start_check`, then :func:`verify_and_publish`."""
    if not start_check(ctx, claim):
        return None
    return verify_and_publish(ctx, claim, final_attempt)


def start_check(ctx: WorkerContext, claim: ClaimRecord) -> bool:
    """Mark the claim as being checked; False (and logged) when there is nothing to check."""
    clog = claim_logger(log, claim.claim_id, claim.article_id)
    state = _store(lambda: ctx.store.mark_checking(claim.claim_id))
    if state is None:
        clog.warning("claim vanished from the store; dropping the task")
        return False
    if state is False:
        clog.info("claim already has a verdict; skipping")
        return False
    return True


def verify_and_publish(
    ctx: WorkerContext, claim: ClaimRecord, final_attempt: bool
) -> PublishResult:
    """Verify a claim marked as being checked and publish its verdict.

    The verdict policy (:class:`~workers.verification.verdict_policy.VerdictPolicy`)
    settles it: a claim an editor's ruling or an earlier check of the newsroom decides is
    not verified (:mod:`workers.newsroom.repeats`), and a verdict the verifier reached is indexed
    for
    later repeats once published.
    """
    clog = claim_logger(log, claim.claim_id, claim.article_id)
    started = time.perf_counter()
    settled = ctx.policy.verdict(
        claim, lambda: ctx.verifier.verify_claim(claim, tolerate_source_errors=final_attempt)
    )
    verdict = settled.verdict
    if not settled.checked:
        clog.info("decided without a check: %s", verdict.reason or verdict.reused_from)
    result = ctx.publisher.publish(verdict)
    _log_published(clog, verdict, result, time.perf_counter() - started, claim.created_at_ms)
    repeats, repeat = ctx.policy.repeats, settled.repeat
    if repeats is not None and repeat is not None and result.published:
        _remember(repeats, claim, verdict, repeat.sources, clog)
    return result


def _remember(
    repeats: Repeats, claim: ClaimRecord, verdict: Verdict, sources: str, clog: ClaimLogger
) -> None:
    """Index a published verdict for reuse; the verdict stands if this fails."""
    try:
        repeats.remember(claim, verdict, sources)
    except (StoreUnavailableError, redis.RedisError) as exc:
        clog.warning("verdict published but not indexed for reuse: %s", exc)


def _publish_placeholder(
    ctx: WorkerContext,
    claim: ClaimRecord,
    *,
    reason: str,
    version: str,
    published: Published,
    failed: bool = False,
    attempts: int | None = None,
    sources_failed: Sequence[SourceFailure] = (),
) -> PublishResult:
    """Publish a ``not_enough_info`` verdict that no verification stands behind, with the
    confidence and review flag the policy ``published`` for it."""
    verdict = Verdict(
        claim_id=claim.claim_id,
        article_id=claim.article_id,
        claim=claim.text,
        label="not_enough_info",
        **published,
        sources_failed=list(sources_failed),
        reason=reason,
        failed=failed,
        attempts=attempts if failed else None,
        checked_at=datetime.now(UTC),
        verifier_version=version,
    )
    verdict = claim.stamp(verdict)
    result = ctx.publisher.publish(verdict, failed=failed)
    clog = claim_logger(log, claim.claim_id, claim.article_id)
    _log_published(clog, verdict, result, 0.0, claim.created_at_ms)
    return result


def publish_noop(ctx: WorkerContext, claim: ClaimRecord, final_attempt: bool) -> PublishResult:
    """The benchmark baseline: a placeholder verdict, published straight away."""
    return _publish_placeholder(
        ctx, claim, reason=NOOP_REASON, version=NOOP_VERSION, published=publish_policy.noop()
    )


def publish_unverified(
    ctx: WorkerContext,
    claim: ClaimRecord,
    *,
    reason: str,
    failed: bool,
    attempts: int | None = None,
    sources_failed: Sequence[SourceFailure] = (),
) -> PublishResult:
    """Publish a ``not_enough_info`` verdict (flagged for review) for a check that failed."""
    return _publish_placeholder(
        ctx,
        claim,
        reason=reason,
        version=FALLBACK_VERSION,
        published=publish_policy.unverified(),
        failed=failed,
        attempts=attempts,
        sources_failed=sources_failed,
    )


# --- one attempt, with every failure decided ---------------------------------------------


@dataclass(frozen=True)
class Fallback:
    """The stand-in verdict that a failed check ends in."""

    reason: str
    failed: bool
    """True unless the check went ahead without a failed source (``sources_failed``)."""
    attempts: int
    sources_failed: tuple[SourceFailure, ...] = ()
    unexpected: bool = False
    """A bug or a time limit rather than a failure the code expects."""


def fallback_for(error: Exception, attempts: int) -> Fallback:
    """What a check that failed with ``error`` after ``attempts`` attempts publishes."""
    if isinstance(error, TransientSourceError):
        failure = SourceFailure(source=error.source, reason=str(error))
        reason = f"gave up after {attempts} attempts: {error}"
        return Fallback(reason, failed=False, attempts=attempts, sources_failed=(failure,))
    if isinstance(error, TransientError):
        return Fallback(f"gave up after {attempts} attempts: {error}", True, attempts)
    if isinstance(error, PermanentError):
        return Fallback(str(error), True, attempts)
    return Fallback(
        f"internal error: {type(error).__name__}: {error}", True, attempts, unexpected=True
    )


def run_attempt(
    ctx: WorkerContext,
    claim_id: str,
    *,
    retries: int,
    policy: RetryPolicy,
    work: Work = check_loaded_claim,
) -> AttemptOutcome:
    """Run ``work`` for one delivery of a task; never raises for a claim-level failure.

    ``retries`` is how many times this task was retried before (Celery's
    ``request.retries``). Transient errors with retries left give a retry decision;
    otherwise the :func:`fallback_for` the error is published. An unknown claim is logged
    and dropped. Only a store outage while publishing that last verdict, on the last
    attempt, propagates.

    Every delivery is counted on the claim's record. Deliveries that no Celery retry
    explains are attempts whose worker process died (SIGKILL, OOM, a native crash): after
    ``task_max_crashes`` of them the claim gets a failed verdict instead of another try,
    so a poison job cannot loop forever.
    """
    clog = claim_logger(log, claim_id, None)
    claim: ClaimRecord | None = None
    attempts = retries + 1
    try:
        claim = load_claim(ctx, claim_id)
        if claim is None:
            clog.warning("claim not in the store; dropping the task")
            return AttemptOutcome()
        clog = claim_logger(log, claim_id, claim.article_id)
        attempts = _count_attempt(ctx, claim, retries)
        crashed = _crash_loop(ctx, attempts, retries, clog)
        if crashed is not None:
            return _fallback(ctx, claim_id, claim, clog, crashed, retries, policy)
        return AttemptOutcome(result=work(ctx, claim, policy.is_final(retries)))
    except ClaimNotFoundError as exc:
        clog.warning("claim disappeared while it was checked; dropping the task: %s", exc)
        return AttemptOutcome()
    except Exception as exc:  # a bug or a time limit too: the claim still gets a verdict
        decision = decide_retry(exc, retries, policy)
        if decision is not None:
            metrics.record_retry()
            clog.warning(
                "transient failure (attempt %d of %d), retrying in %.1fs: %s",
                retries + 1,
                policy.max_retries + 1,
                decision.countdown,
                exc,
            )
            return AttemptOutcome(retry=decision)
        fallback = fallback_for(exc, attempts)
        if fallback.unexpected:
            clog.exception("unexpected error while checking the claim")
        else:
            clog.error("giving up: %s", fallback.reason)
        return _fallback(ctx, claim_id, claim, clog, fallback, retries, policy)


def _count_attempt(ctx: WorkerContext, claim: ClaimRecord, retries: int) -> int:
    """This attempt's number, counting the deliveries whose worker died."""
    if claim.status in ("done", "failed"):
        return retries + 1
    return max(retries + 1, _store(lambda: ctx.store.count_delivery(claim.claim_id)))


def _crash_loop(
    ctx: WorkerContext, attempts: int, retries: int, clog: ClaimLogger
) -> Fallback | None:
    """The failed verdict of a poison job, once enough earlier attempts died with it."""
    crashes = attempts - 1 - retries
    if crashes < ctx.max_crashes:
        return None
    clog.error("%d earlier attempts died with their worker; giving up", crashes)
    reason = (
        f"the check crashed its worker process {crashes} times "
        f"(poison job); gave up after {attempts - 1} attempts"
    )
    return Fallback(reason, failed=True, attempts=attempts - 1)


def _fallback(
    ctx: WorkerContext,
    claim_id: str,
    claim: ClaimRecord | None,
    clog: ClaimLogger,
    fallback: Fallback,
    retries: int,
    policy: RetryPolicy,
) -> AttemptOutcome:
    """Publish the stand-in verdict; a store outage here is retried while retries are left."""
    try:
        record = claim if claim is not None else load_claim(ctx, claim_id)
        if record is None:
            clog.warning("claim not in the store; no verdict to publish")
            return AttemptOutcome()
        result = publish_unverified(
            ctx,
            record,
            reason=fallback.reason,
            failed=fallback.failed,
            attempts=fallback.attempts,
            sources_failed=fallback.sources_failed,
        )
        return AttemptOutcome(result=result)
    except ClaimNotFoundError:
        clog.warning("claim not in the store; no verdict to publish")
        return AttemptOutcome()
    except TransientError as exc:
        decision = decide_retry(exc, retries, policy)
        if decision is None:
            raise
        clog.warning("could not publish the fallback verdict, retrying: %s", exc)
        return AttemptOutcome(retry=decision)


# --- helpers ------------------------------------------------------------------------------


def _store(call: Callable[[], _T]) -> _T:
    """Run a store call, turning Redis failures into the retryable StoreUnavailableError."""
    try:
        return call()
    except redis.RedisError as exc:
        raise StoreUnavailableError(f"Redis store failed: {exc}") from exc


def _log_published(
    clog: ClaimLogger, verdict: Verdict, result: PublishResult, seconds: float, created_at_ms: int
) -> None:
    if result.published:
        metrics.record_verdict(verdict, seconds=seconds, created_at_ms=created_at_ms)
        clog.info(
            "published %s (confidence %.2f%s) as %s in %.0f ms",
            verdict.label,
            verdict.confidence,
            ", needs review" if verdict.needs_review else "",
            result.stream_id,
            seconds * 1000,
        )
        if result.completed_stream_id:
            clog.info("article completed: %s", result.completed_stream_id)
    else:
        clog.info("verdict already published as %s; nothing written", result.stream_id)
