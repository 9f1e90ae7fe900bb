"""Claims checked once: a worker reuses its newsroom's earlier check of the same text."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from shared.errors import PermanentSourceError
from shared.newsroom.reuse import ReuseEntry, ReuseIndex
from shared.newsroom.reviews import ReviewRecorder
from shared.schemas import ReviewSubmission
from shared.settings_configs import publisher_config
from shared.store.claims import ClaimRecord
from tests.shared import factories
from tests.workers.conftest import ContextFactory, FlakySource
from workers.context import WorkerContext, build_repeats
from workers.processing import check_claim
from workers.sources.knowledge_base.index import KnowledgeBase, starter_corpus_path

SUPPORTED = "UN Security Council resolution 2254 was adopted unanimously in December 2015."
REPEAT = "  un security council Resolution 2254 was adopted unanimously in December, 2015 "


def _ctx(context_factory: ContextFactory, **overrides: Any) -> WorkerContext:
    ctx = context_factory(**overrides)
    ctx.policy.repeats = build_repeats(ctx.settings, ctx.redis, ctx.verifier)
    return ctx


def _claim(ctx: WorkerContext, text: str = SUPPORTED, newsroom: str | None = "daily-planet") -> str:
    record, claims = factories.article(1)
    claim = claims[0].model_copy(update={"text": text, "newsroom": newsroom})
    ctx.store.save([claim], record.model_copy(update={"newsroom": newsroom}))
    return claim.claim_id


def _check(ctx: WorkerContext, claim_id: str) -> dict[str, Any]:
    """Check the claim like a task does; its one verdict on the stream."""
    result = check_claim(ctx, claim_id, final_attempt=False)
    assert result is not None and result.published
    rows = ctx.redis.xrange(ctx.settings.verdict_stream)
    verdicts = [json.loads(f["data"]) for _, f in rows if f["type"] == "verdict"]
    [verdict] = [v for v in verdicts if v["claim_id"] == claim_id]
    data: dict[str, Any] = verdict
    return data


def _reuse(ctx: WorkerContext) -> ReuseIndex:
    """The reuse index the worker's repeats read and write."""
    assert ctx.policy.repeats is not None
    return ctx.policy.repeats.reuse


def _record(ctx: WorkerContext, claim_id: str) -> ClaimRecord:
    record = ctx.store.get_claim(claim_id)
    assert record is not None
    return record


def test_a_repeat_reuses_the_earlier_verdict_without_a_check(
    context_factory: ContextFactory,
) -> None:
    ctx = _ctx(context_factory)
    first = _check(ctx, _claim(ctx))
    scored = ctx.verifier.pairs_scored
    assert scored > 0 and first["reused_from"] is None

    repeat_id = _claim(ctx, REPEAT)
    repeat = _check(ctx, repeat_id)

    assert ctx.verifier.pairs_scored == scored  # the verifier did not run
    assert repeat["reused_from"] == first["claim_id"]
    assert repeat["claim_id"] == repeat_id and repeat["claim"] == REPEAT
    for field in ("label", "confidence", "needs_review", "evidence", "verifier_version"):
        assert repeat[field] == first[field], field
    assert repeat["newsroom"] == "daily-planet"
    stored = _record(ctx, repeat_id)
    assert stored.status == "done" and stored.verdict is not None
    assert stored.verdict.reused_from == first["claim_id"]
    article = ctx.store.get_article(stored.article_id or "")
    assert article is not None and article.completed_stream_id  # its article completed


def test_reuse_never_crosses_newsrooms_either_way(context_factory: ContextFactory) -> None:
    ctx = _ctx(context_factory)
    _check(ctx, _claim(ctx, newsroom="daily-planet"))
    scored = ctx.verifier.pairs_scored

    star = _check(ctx, _claim(ctx, REPEAT, newsroom="daily-star"))
    assert star["reused_from"] is None and ctx.verifier.pairs_scored > scored
    scored = ctx.verifier.pairs_scored
    anonymous = _check(ctx, _claim(ctx, REPEAT, newsroom=None))
    assert anonymous["reused_from"] is None and ctx.verifier.pairs_scored > scored

    # and the other way: the star's check now serves the star, the planet keeps its own
    again_star = _check(ctx, _claim(ctx, SUPPORTED, newsroom="daily-star"))
    assert again_star["reused_from"] == star["claim_id"]


def test_reuse_ends_with_its_ttl(context_factory: ContextFactory) -> None:
    ctx = _ctx(context_factory, reuse_ttl_s=1)
    _check(ctx, _claim(ctx))
    time.sleep(1.2)
    scored = ctx.verifier.pairs_scored
    later = _check(ctx, _claim(ctx, REPEAT))
    assert later["reused_from"] is None and ctx.verifier.pairs_scored > scored


def test_a_ttl_of_zero_checks_every_claim(context_factory: ContextFactory) -> None:
    ctx = _ctx(context_factory, reuse_ttl_s=0)
    _check(ctx, _claim(ctx))
    assert _check(ctx, _claim(ctx, REPEAT))["reused_from"] is None


@pytest.fixture
def kb_path(starter_kb_path: Path, tmp_path: Path) -> Path:
    """A copy of the starter knowledge base, for a test to import into."""
    path = tmp_path / "kb.sqlite3"
    shutil.copy(starter_kb_path, path)
    return path


def test_a_knowledge_base_import_defeats_reuse(
    context_factory: ContextFactory, kb_path: Path, tmp_path: Path
) -> None:
    ctx = _ctx(context_factory, kb_path=kb_path)
    first = _check(ctx, _claim(ctx))
    assert _check(ctx, _claim(ctx, REPEAT))["reused_from"] == first["claim_id"]

    extra = tmp_path / "extra.jsonl"
    extra.write_text(
        json.dumps({"id": "new-doc", "title": "New", "text": "Resolution 2254 is long."}) + "\n"
    )
    with KnowledgeBase(kb_path) as kb:
        kb.import_jsonl(extra)

    scored = ctx.verifier.pairs_scored
    after = _check(ctx, _claim(ctx, REPEAT))
    assert after["reused_from"] is None and ctx.verifier.pairs_scored > scored
    # the new check is what later repeats reuse
    assert _check(ctx, _claim(ctx))["reused_from"] == after["claim_id"]


def test_an_unchanged_reimport_keeps_reuse(context_factory: ContextFactory, kb_path: Path) -> None:
    ctx = _ctx(context_factory, kb_path=kb_path)
    first = _check(ctx, _claim(ctx))
    with KnowledgeBase(kb_path) as kb:
        kb.import_jsonl(starter_corpus_path())  # nothing changed: the version stays
    assert _check(ctx, _claim(ctx, REPEAT))["reused_from"] == first["claim_id"]


def test_a_check_with_a_failed_source_is_not_reused(context_factory: ContextFactory) -> None:
    ctx = _ctx(context_factory, sources=[FlakySource("remote", error=PermanentSourceError)])
    first = _check(ctx, _claim(ctx))
    assert first["sources_failed"] and first["reused_from"] is None
    index = _reuse(ctx)
    assert index.lookup("daily-planet", SUPPORTED) is None
    assert _check(ctx, _claim(ctx, REPEAT))["reused_from"] is None


def test_an_entry_for_other_sources_is_not_reused(context_factory: ContextFactory) -> None:
    ctx = _ctx(context_factory)
    first = _check(ctx, _claim(ctx))
    index = _reuse(ctx)
    entry = index.lookup("daily-planet", SUPPORTED)
    assert entry is not None and entry.claim_id == first["claim_id"]
    index.remember("daily-planet", SUPPORTED, ReuseEntry(claim_id=entry.claim_id, sources="old"))
    assert _check(ctx, _claim(ctx, REPEAT))["reused_from"] is None


def test_an_earlier_claim_reviewed_since_decides_by_its_review(
    context_factory: ContextFactory,
) -> None:
    ctx = _ctx(context_factory)
    first_id = _claim(ctx)
    first = _check(ctx, first_id)
    assert first["label"] == "supported"
    ReviewRecorder(ctx.redis, publisher_config(ctx.settings)).record(
        _record(ctx, first_id),
        ReviewSubmission(label="refuted", reviewer="Jane Editor", note="Not unanimous."),
    )
    repeat = _check(ctx, _claim(ctx, REPEAT))
    assert (repeat["label"], repeat["needs_review"]) == ("refuted", False)
    assert repeat["reused_from"] == first_id
    [evidence] = repeat["evidence"]
    assert evidence["source"] == "newsroom" and evidence["note"] == "Not unanimous."


@pytest.mark.parametrize("newsroom", ["daily-planet", None])
def test_without_repeats_every_claim_is_checked(
    context_factory: ContextFactory, newsroom: str | None
) -> None:
    ctx = context_factory()
    assert ctx.policy.repeats is None
    _check(ctx, _claim(ctx, newsroom=newsroom))
    assert _check(ctx, _claim(ctx, REPEAT, newsroom=newsroom))["reused_from"] is None
