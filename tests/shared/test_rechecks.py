"""Re-checks: claims citing a changed document are re-queued once per change, and publish
one ``verdict.updated`` per revision (real Redis)."""

from __future__ import annotations

import json

import redis

from shared.publisher import VerdictPublisher
from shared.rechecks import REMOVED, changes_of, recheck_citing
from shared.redis_client import make_redis
from shared.schemas import Evidence, Verdict
from shared.settings import Settings
from shared.store import ClaimRecord, ClaimStore
from tests.conftest import SettingsFactory
from tests.shared import factories


def _cited(record: ClaimRecord, label: str, *doc_ids: str) -> Verdict:
    evidence = [
        Evidence(
            source="knowledge_base",
            doc_id=d,
            title=d,
            text="A sentence.",
            stance="supports",
            score=0.9,
            doc_hash="h1",
        )
        for d in doc_ids
    ]
    verdict = factories.verdict(record, label)  # type: ignore[arg-type]
    return record.stamp(verdict.model_copy(update={"evidence": evidence}))


class Setup:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = make_redis(settings)
        self.store = ClaimStore.from_settings(self.client, settings)
        self.publisher = VerdictPublisher.from_settings(self.client, settings)
        self.queued: list[list[str]] = []

    def recheck(self, changes: dict[str, str], limit: int = 100) -> list[str]:
        report = recheck_citing(
            self.client, self.settings.key_prefix, changes,
            lambda ids: self.queued.append(list(ids)), limit=limit,
        )  # fmt: skip
        return report.requeued

    def entries(self) -> list[tuple[str, dict[str, object]]]:
        return [
            (str(f["type"]), json.loads(f["data"]))
            for _, f in self.client.xrange(self.settings.verdict_stream)
        ]

    def record(self, claim_id: str) -> ClaimRecord:
        found = self.store.get_claim(claim_id)
        assert found is not None
        return found


def test_a_changed_document_requeues_its_citing_claims_once(
    settings_factory: SettingsFactory,
) -> None:
    s = Setup(settings_factory())
    article, (a, b, c) = factories.article(3)
    s.store.save([a, b, c], article)
    s.publisher.publish(_cited(a, "supported", "kb:1"))
    s.publisher.publish(_cited(b, "supported", "kb:1", "kb:2"))
    s.publisher.publish(_cited(c, "refuted", "kb:3"))

    assert sorted(s.recheck({"kb:1": "h2"})) == sorted([a.claim_id, b.claim_id])
    assert s.queued == [sorted([a.claim_id, b.claim_id])]
    assert s.record(a.claim_id).revision == 1 and s.record(a.claim_id).status == "queued"
    assert s.record(c.claim_id).revision == 0  # cites no changed document
    assert s.recheck({"kb:1": "h2"}) == []  # the same change again: nothing
    assert s.recheck({"kb:2": "h9"}) == [b.claim_id]  # another change of another document
    assert s.record(b.claim_id).revision == 2
    assert s.recheck({"kb:3": REMOVED}) == [c.claim_id]
    s.client.close()


def test_a_recheck_publishes_one_verdict_updated_per_revision(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    s = Setup(settings_factory())
    article, (a, b) = factories.article(2)
    s.store.save([a, b], article)
    s.publisher.publish(_cited(a, "supported", "kb:1"))
    s.publisher.publish(_cited(b, "supported", "kb:9"))
    assert s.store.mark_checking(a.claim_id) is False  # decided: a stray task does nothing
    s.recheck({"kb:1": "h2"})
    record = s.record(a.claim_id)
    assert s.store.mark_checking(a.claim_id) is True  # the re-check may run
    updated = _cited(record, "refuted", "kb:1")
    assert (updated.revision, updated.previous_label) == (1, "supported")
    first, again = s.publisher.publish(updated), s.publisher.publish(updated)
    assert first.published and not again.published  # exactly once per (claim, revision)
    assert s.store.mark_checking(a.claim_id) is False
    types = [t for t, _ in s.entries()]
    assert types == ["verdict", "verdict", "article.completed", "verdict.updated"]
    _, data = s.entries()[-1]
    assert data["label"] == "refuted" and data["previous_label"] == "supported"
    assert data["revision"] == 1
    counts = redis_client.hgetall(f"{s.settings.key_prefix}:article:{article.article_id}:counts")
    assert counts == {"supported": "1", "refuted": "1"}
    assert s.record(a.claim_id).verdict is not None
    assert s.record(a.claim_id).verdict.label == "refuted"  # type: ignore[union-attr]
    s.client.close()


def test_the_limit_bounds_one_import(settings_factory: SettingsFactory) -> None:
    s = Setup(settings_factory())
    claims = [factories.claim() for _ in range(5)]
    s.store.save(claims)
    for c in claims:
        s.publisher.publish(_cited(c, "supported", "kb:1"))
    report = recheck_citing(
        s.client, s.settings.key_prefix, {"kb:1": "h2"}, lambda ids: None, limit=3
    )
    assert len(report.requeued) == 3 and report.over_limit == 2
    assert "3 claims queued again" in str(report) and "2 over the limit" in str(report)
    s.client.close()


def test_a_claim_without_a_verdict_is_left_to_its_check(settings_factory: SettingsFactory) -> None:
    s = Setup(settings_factory())
    a = factories.claim()
    s.store.save([a])
    s.client.sadd(f"{s.settings.key_prefix}:cites:kb:1", a.claim_id)
    assert s.recheck({"kb:1": "h2"}) == [] and s.queued == []
    s.client.close()


def test_changes_of_marks_updates_by_hash_and_removals() -> None:
    assert changes_of(["a", "b"], {"a": "h1"}, ["c"]) == {"a": "h1", "b": "changed", "c": REMOVED}
