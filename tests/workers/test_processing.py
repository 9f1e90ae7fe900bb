from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from shared.errors import PermanentError, StoreUnavailableError
from shared.schemas import Entity
from shared.store.claims import ClaimRecord
from shared.store.publisher import PublishResult
from tests.e2e.fault_worker import WorkerFaults, faulty_check
from tests.shared import factories
from tests.workers.conftest import ContextFactory, FlakySource
from workers.context import WorkerContext
from workers.processing import (
    NOOP_REASON,
    check_claim,
    check_loaded_claim,
    publish_noop,
    run_attempt,
)
from workers.resilience.task_retry import RetryPolicy

POLICY = RetryPolicy(max_retries=2, base_s=0.5, cap_s=4.0)
SUPPORTED = "UN Security Council resolution 2254 was adopted unanimously in December 2015."


def _verdicts(ctx: WorkerContext) -> list[dict[str, Any]]:
    rows = ctx.redis.xrange(ctx.settings.verdict_stream)
    return [json.loads(f["data"]) for _, f in rows if f["type"] == "verdict"]


def _save(ctx: WorkerContext, text: str = SUPPORTED, article: bool = False) -> ClaimRecord:
    if article:
        record, claims = factories.article(1)
        claim = claims[0].model_copy(update={"text": text})
        ctx.store.save([claim], record)
        return claim
    claim = factories.claim(text=text)
    ctx.store.save([claim])
    return claim


def test_check_claim_twice_publishes_one_verdict(context_factory: ContextFactory) -> None:
    ctx = context_factory()
    claim = _save(ctx, article=True)
    first = check_claim(ctx, claim.claim_id, final_attempt=False)
    second = check_claim(ctx, claim.claim_id, final_attempt=False)
    assert first is not None and first.published and first.completed_stream_id
    assert second is None  # already decided: skipped before any work
    verdicts = _verdicts(ctx)
    assert len(verdicts) == 1
    assert verdicts[0]["label"] == "supported"
    assert verdicts[0]["article_id"] == claim.article_id
    stored = ctx.store.get_claim(claim.claim_id)
    assert stored is not None and stored.status == "done" and stored.verdict is not None


def test_racing_deliveries_rely_on_the_publishers_guard(context_factory: ContextFactory) -> None:
    # two deliveries (e.g. a redelivery while the first worker still runs) both pass
    # mark_checking during the delay, both verify, and both try to publish
    ctx = context_factory()
    claim = _save(ctx)
    slow = faulty_check(WorkerFaults(delay_s=0.3))
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: slow(ctx, claim, False), range(2)))
    published = sorted(r.published for r in results if r is not None)
    assert published == [False, True]
    assert len(_verdicts(ctx)) == 1


def test_unknown_claim_is_dropped(context_factory: ContextFactory) -> None:
    ctx = context_factory()
    assert check_claim(ctx, "clm_missing", final_attempt=True) is None
    outcome = run_attempt(ctx, "clm_missing", retries=0, policy=POLICY)
    assert outcome.result is None and outcome.retry is None
    assert _verdicts(ctx) == []


def test_transient_source_error_retries_then_lists_the_source(
    context_factory: ContextFactory,
) -> None:
    flaky = FlakySource("kb-remote", retry_after=1.5)
    ctx = context_factory(sources=[flaky])
    claim = _save(ctx)

    for retries in range(POLICY.max_retries):
        outcome = run_attempt(ctx, claim.claim_id, retries=retries, policy=POLICY)
        assert outcome.result is None and outcome.retry is not None
        assert 1.5 <= outcome.retry.countdown <= POLICY.cap_s
        assert _verdicts(ctx) == []
        stored = ctx.store.get_claim(claim.claim_id)
        assert stored is not None and stored.status == "checking"

    final = run_attempt(ctx, claim.claim_id, retries=POLICY.max_retries, policy=POLICY)
    assert final.retry is None and final.result is not None and final.result.published
    (verdict,) = _verdicts(ctx)
    assert verdict["label"] == "not_enough_info" and verdict["needs_review"] is True
    assert verdict["sources_failed"][0]["source"] == "kb-remote"
    assert "kb-remote" in verdict["reason"]
    assert flaky.calls == POLICY.max_retries + 1


def test_source_recovering_on_a_retry_gives_a_normal_verdict(
    context_factory: ContextFactory, starter_kb_path: Any
) -> None:
    from workers.sources.knowledge_base.index import KnowledgeBase

    with KnowledgeBase(starter_kb_path) as kb:
        passages = kb.search(SUPPORTED, 3)
    ctx = context_factory(sources=[FlakySource("remote", failures=1, passages=passages)])
    claim = _save(ctx)
    assert run_attempt(ctx, claim.claim_id, retries=0, policy=POLICY).retry is not None
    outcome = run_attempt(ctx, claim.claim_id, retries=1, policy=POLICY)
    assert outcome.result is not None and outcome.result.published
    (verdict,) = _verdicts(ctx)
    assert verdict["label"] == "supported" and verdict["sources_failed"] == []


def test_permanent_error_publishes_a_failed_nei(context_factory: ContextFactory) -> None:
    ctx = context_factory()
    claim = _save(ctx)

    def broken(ctx: WorkerContext, claim: ClaimRecord, final: bool) -> PublishResult | None:
        raise PermanentError("the model refused the input")

    outcome = run_attempt(ctx, claim.claim_id, retries=0, policy=POLICY, work=broken)
    assert outcome.retry is None and outcome.result is not None
    (verdict,) = _verdicts(ctx)
    assert verdict["label"] == "not_enough_info" and verdict["needs_review"] is True
    assert verdict["reason"] == "the model refused the input"
    stored = ctx.store.get_claim(claim.claim_id)
    assert stored is not None and stored.status == "failed"


def test_unexpected_exception_still_gives_a_verdict(context_factory: ContextFactory) -> None:
    ctx = context_factory()
    claim = _save(ctx)

    def buggy(ctx: WorkerContext, claim: ClaimRecord, final: bool) -> PublishResult | None:
        raise ZeroDivisionError("oops")

    outcome = run_attempt(ctx, claim.claim_id, retries=0, policy=POLICY, work=buggy)
    assert outcome.retry is None
    (verdict,) = _verdicts(ctx)
    assert verdict["reason"] == "internal error: ZeroDivisionError: oops"
    assert ctx.store.get_claim(claim.claim_id).status == "failed"  # type: ignore[union-attr]


def test_store_outage_is_retried_then_gives_a_failed_nei(context_factory: ContextFactory) -> None:
    ctx = context_factory()
    claim = _save(ctx)

    def store_down(ctx: WorkerContext, claim: ClaimRecord, final: bool) -> PublishResult | None:
        raise StoreUnavailableError("Redis timed out")

    assert run_attempt(ctx, claim.claim_id, retries=0, policy=POLICY, work=store_down).retry
    last = run_attempt(ctx, claim.claim_id, retries=2, policy=POLICY, work=store_down)
    assert last.retry is None and last.result is not None
    (verdict,) = _verdicts(ctx)
    assert verdict["reason"].startswith("gave up after 3 attempts: Redis timed out")
    assert verdict["sources_failed"] == []
    assert ctx.store.get_claim(claim.claim_id).status == "failed"  # type: ignore[union-attr]


def test_noop_publishes_a_placeholder(context_factory: ContextFactory) -> None:
    ctx = context_factory()
    claim = _save(ctx)
    outcome = run_attempt(ctx, claim.claim_id, retries=0, policy=POLICY, work=publish_noop)
    assert outcome.result is not None and outcome.result.published
    (verdict,) = _verdicts(ctx)
    assert verdict["label"] == "not_enough_info" and verdict["reason"] == NOOP_REASON
    assert verdict["verifier_version"] == "noop"


def test_injected_delay_sleeps_after_marking_checking(context_factory: ContextFactory) -> None:
    # the e2e harness's fault worker (tests/e2e/fault_worker.py) wraps the real check
    ctx = context_factory()
    claim = _save(ctx)
    slow = faulty_check(WorkerFaults(delay_s=0.3))
    started = time.monotonic()
    outcome = run_attempt(ctx, claim.claim_id, retries=0, policy=POLICY, work=slow)
    assert outcome.result is not None
    assert time.monotonic() - started >= 0.3


def test_injected_poison_raises_into_a_failed_verdict(context_factory: ContextFactory) -> None:
    ctx = context_factory()
    claim = _save(ctx, text="POISON claim about APEC 2017.")
    poison = WorkerFaults(poison_matching="^POISON", poison_mode="raise")
    run_attempt(ctx, claim.claim_id, retries=0, policy=POLICY, work=faulty_check(poison))
    (verdict,) = _verdicts(ctx)
    assert verdict["failed"] and verdict["attempts"] == 1
    assert verdict["reason"] == (
        "internal error: PoisonClaimError: debug poison claim: the verifier crashed"
    )


def test_log_lines_name_the_claim_and_article(
    context_factory: ContextFactory, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = context_factory()
    claim = _save(ctx, article=True)
    with caplog.at_level("INFO", logger="workers"):
        run_attempt(ctx, claim.claim_id, retries=0, policy=POLICY)
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("workers.processing")]
    assert lines
    assert all(f"claim={claim.claim_id} article={claim.article_id}" in line for line in lines)


def _extracted(ctx: WorkerContext) -> ClaimRecord:
    record, claims = factories.article(1)
    claim = claims[0].model_copy(
        update={
            "text": "Donald Trump and Vladimir Putin agreed that UN Security Council resolution "
            "2254 was adopted unanimously in December 2015.",
            "source_text": "They agreed that resolution 2254 was adopted unanimously in 2015.",
            "speaker": "the joint statement on Syria",
            "attributed": True,
            "checkworthiness": 0.93,
            "entities": [Entity(text="2254", label="CARDINAL", start=28, end=32)],
        }
    )
    ctx.store.save([claim], record)
    return claim


def test_verdict_carries_the_claim_record_and_checks_the_stand_alone_text(
    context_factory: ContextFactory,
) -> None:
    ctx = context_factory()
    claim = _extracted(ctx)
    check_claim(ctx, claim.claim_id, final_attempt=False)
    (verdict,) = _verdicts(ctx)
    assert verdict["claim"] == claim.text  # the stand-alone text is what was verified
    assert verdict["source_text"] == claim.source_text
    assert (verdict["start"], verdict["end"]) == (claim.start, claim.end)
    assert verdict["speaker"] == "the joint statement on Syria" and verdict["attributed"] is True
    assert verdict["checkworthiness"] == 0.93
    assert verdict["entities"] == [{"text": "2254", "label": "CARDINAL", "start": 28, "end": 32}]
    stored = ctx.store.get_claim(claim.claim_id)
    assert stored is not None and stored.verdict is not None
    assert stored.verdict.speaker == claim.speaker


def test_fallback_verdicts_carry_the_claim_record_too(context_factory: ContextFactory) -> None:
    ctx = context_factory()
    claim = _extracted(ctx)

    def broken(ctx: WorkerContext, claim: ClaimRecord, final: bool) -> PublishResult | None:
        raise PermanentError("the model refused the input")

    run_attempt(ctx, claim.claim_id, retries=0, policy=POLICY, work=broken)
    (verdict,) = _verdicts(ctx)
    assert verdict["label"] == "not_enough_info"
    assert verdict["source_text"] == claim.source_text and verdict["attributed"] is True


def test_deliveries_no_retry_explains_are_crashes_and_end_in_a_failed_verdict(
    context_factory: ContextFactory,
) -> None:
    ctx = context_factory(task_max_crashes=2)
    claim = _save(ctx)
    calls: list[int] = []

    def dies(ctx: WorkerContext, claim: ClaimRecord, final: bool) -> PublishResult | None:
        calls.append(1)
        return None  # as if the process had died: nothing published, nothing decided

    # two deliveries of the same message (retries=0) whose worker died: still tried
    assert run_attempt(ctx, claim.claim_id, retries=0, policy=POLICY, work=dies).result is None
    assert run_attempt(ctx, claim.claim_id, retries=0, policy=POLICY, work=dies).result is None
    # the third delivery of it: two crashes, so a failed verdict instead of a third try
    outcome = run_attempt(ctx, claim.claim_id, retries=0, policy=POLICY, work=dies)
    assert len(calls) == 2 and outcome.result is not None and outcome.result.published
    (verdict,) = _verdicts(ctx)
    assert verdict["failed"] is True and verdict["attempts"] == 2
    assert verdict["label"] == "not_enough_info" and verdict["needs_review"] is True
    assert "crashed its worker process 2 times" in verdict["reason"]
    assert ctx.store.get_claim(claim.claim_id).status == "failed"  # type: ignore[union-attr]


def test_celery_retries_are_not_counted_as_crashes(context_factory: ContextFactory) -> None:
    ctx = context_factory(task_max_crashes=1)
    claim = _save(ctx)

    def flaky(ctx: WorkerContext, claim: ClaimRecord, final: bool) -> PublishResult | None:
        if final:
            return check_loaded_claim(ctx, claim, final)
        raise StoreUnavailableError("Redis blinked")

    for retries in range(POLICY.max_retries + 1):  # one delivery per Celery retry
        outcome = run_attempt(ctx, claim.claim_id, retries=retries, policy=POLICY, work=flaky)
    assert outcome.result is not None
    (verdict,) = _verdicts(ctx)
    assert verdict["failed"] is False and verdict["label"] == "supported"
