"""The worker checks an editor's checked text: each correction is one ``verdict.updated``
with the next revision, and re-checks (editors' or changed documents') are never taken
for the deliveries of a job that crashes its worker."""

from __future__ import annotations

import itertools
import json
from typing import Any

from shared.newsroom.checked_text import CheckedTextSubmission
from shared.newsroom.checked_text_edits import CheckedTextEditor, EditOutcome
from shared.newsroom.rechecks import Rechecker
from shared.schemas import Verdict
from tests.shared import factories
from tests.workers.conftest import ContextFactory
from workers.context import WorkerContext
from workers.processing import run_attempt
from workers.resilience.task_retry import RetryPolicy

POLICY = RetryPolicy(max_retries=2, base_s=0.5, cap_s=4.0)
EXTRACTED = "UN Security Council resolution 2254 was adopted unanimously in December 2015."
WRITTEN = "It was adopted unanimously in December 2015."
EDITS = (
    "UN Security Council resolution 2254 on Syria was adopted in December 2015.",
    "Resolution 2254 of the UN Security Council was adopted unanimously in 2015.",
    "UN Security Council resolution 2254 was adopted in March 1999.",
)


def _entries(ctx: WorkerContext) -> list[tuple[str, dict[str, Any]]]:
    rows = ctx.redis.xrange(ctx.settings.verdict_stream)
    return [(f["type"], json.loads(f["data"])) for _, f in rows if f["type"].startswith("verdict")]


def _checked_once(ctx: WorkerContext) -> str:
    """A claim of an article, checked once (its first verdict published)."""
    article, (claim,) = factories.article(1)
    claim = claim.model_copy(update={"text": EXTRACTED, "source_text": WRITTEN})
    ctx.store.save([claim], article)
    outcome = run_attempt(ctx, claim.claim_id, retries=0, policy=POLICY)
    assert outcome.result is not None and outcome.result.published
    return claim.claim_id


def test_each_correction_is_checked_and_published_once_with_the_next_revision(
    context_factory: ContextFactory,
) -> None:
    # two crashes end a claim: without a fresh delivery count per revision the second
    # correction's check would be taken for a poison job's third delivery
    ctx = context_factory(task_max_crashes=2)
    claim_id = _checked_once(ctx)
    editor = CheckedTextEditor(ctx.redis, ctx.settings.key_prefix)
    for revision, text in enumerate(EDITS, start=1):
        submission = CheckedTextSubmission(checked_text=text, editor="Jane Editor")
        assert editor.edit(claim_id, submission) == EditOutcome(changed=True, revision=revision)
        assert editor.edit(claim_id, submission) == EditOutcome(changed=False, revision=revision)
        outcome = run_attempt(ctx, claim_id, retries=0, policy=POLICY)
        assert outcome.result is not None and outcome.result.published
        # the job delivered again: nothing more to publish
        assert run_attempt(ctx, claim_id, retries=0, policy=POLICY).result is None

    entries = _entries(ctx)
    assert [(kind, data["revision"], data["claim"]) for kind, data in entries] == [
        ("verdict", 0, EXTRACTED),
        *(("verdict.updated", n, text) for n, text in enumerate(EDITS, start=1)),
    ]
    verdicts = [Verdict.model_validate(data) for _, data in entries]
    for before, after in itertools.pairwise(verdicts):
        assert after.previous_label == before.label
        assert not after.failed and after.source_text == WRITTEN
        assert after.checked_text_edit is not None
        assert (after.checked_text_edit.editor, after.checked_text_edit.revision) == (
            "Jane Editor", after.revision,
        )  # fmt: skip
        assert after.checked_text_edit.extracted_text == EXTRACTED
    assert verdicts[0].checked_text_edit is None
    record = ctx.store.get_claim(claim_id)
    assert record is not None and record.status == "done"
    assert record.verdict == verdicts[-1] and record.text == EDITS[-1]


def test_rechecks_after_changed_documents_are_no_crashes(context_factory: ContextFactory) -> None:
    ctx = context_factory(task_max_crashes=2)
    claim_id = _checked_once(ctx)
    record = ctx.store.get_claim(claim_id)
    assert record is not None and record.verdict is not None
    cited = record.verdict.cited_documents()
    assert cited
    for revision in (1, 2, 3):
        changes = {cited[0]: f"hash-{revision}"}
        prefix = ctx.settings.key_prefix
        report = Rechecker(ctx.redis, prefix).recheck(changes, lambda _: None, limit=5)
        assert report.requeued == [claim_id]
        outcome = run_attempt(ctx, claim_id, retries=0, policy=POLICY)
        assert outcome.result is not None and outcome.result.published
    updates = [data for kind, data in _entries(ctx) if kind == "verdict.updated"]
    assert [(u["revision"], u["failed"]) for u in updates] == [(1, False), (2, False), (3, False)]
