"""Re-checks: claims citing a changed document are re-queued once per change (one job per
claim however many of its documents changed), publish one ``verdict.updated`` per
revision, and what a drain did not send stays pending for the next (real Redis)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest
import redis

from shared.errors import StoreUnavailableError
from shared.newsroom.rechecks import Rechecker, new_change_id
from shared.schemas import Evidence, Verdict
from shared.settings import Settings
from shared.settings_configs import publisher_config, store_config
from shared.store.claims import ClaimRecord, ClaimStore
from shared.store.client import make_redis
from shared.store.publisher import VerdictPublisher
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
        self.store = ClaimStore(self.client, store_config(settings))
        self.publisher = VerdictPublisher(self.client, publisher_config(settings))
        self.queued: list[list[str]] = []

    def queue(self, ids: Sequence[str]) -> None:
        self.queued.append(sorted(ids))

    def recheck(self, changes: dict[str, str], limit: int = 100) -> list[str]:
        report = Rechecker(self.client, self.settings.key_prefix).recheck(
            changes, self.queue, limit=limit
        )
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
    assert s.recheck({"kb:3": "removed-1"}) == [c.claim_id]
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


def test_the_limit_counts_claims_and_the_rest_stays_pending(
    settings_factory: SettingsFactory,
) -> None:
    s = Setup(settings_factory())
    claims = [factories.claim() for _ in range(5)]
    s.store.save(claims)
    for c in claims:
        s.publisher.publish(_cited(c, "supported", "kb:1"))
    report = Rechecker(s.client, s.settings.key_prefix).recheck(
        {"kb:1": "c2"}, lambda ids: None, limit=3
    )
    assert len(report.requeued) == 3 and report.over_limit == 2 and report.pending == 1
    assert "3 claims queued again" in str(report)
    assert "; 1 documents still pending, 2 claims over the limit: " in str(report)
    # the next drain sends the other two (the three sent are not sent again) and ends it
    rest = Rechecker(s.client, s.settings.key_prefix).drain(s.queue, limit=3)
    assert sorted(rest.requeued + report.requeued) == sorted(c.claim_id for c in claims)
    assert len(rest.requeued) == 2
    assert (rest.already, rest.over_limit, rest.pending) == (3, 0, 0)
    assert [s.record(c.claim_id).revision for c in claims] == [1] * 5
    s.client.close()


def _two_claims_citing_two_documents(s: Setup) -> tuple[ClaimRecord, ClaimRecord]:
    a, b = factories.claim(), factories.claim()
    s.store.save([a, b])
    s.publisher.publish(_cited(a, "supported", "kb:1", "kb:2"))
    s.publisher.publish(_cited(b, "supported", "kb:1", "kb:2"))
    return a, b


def test_a_claim_citing_several_changed_documents_is_one_job_and_one_revision(
    settings_factory: SettingsFactory,
) -> None:
    s = Setup(settings_factory())
    a, b = _two_claims_citing_two_documents(s)
    s.recheck({"kb:1": "c1", "kb:2": "c2"})
    assert s.queued == [sorted([a.claim_id, b.claim_id])]  # one job each
    assert s.record(a.claim_id).revision == 1 and s.record(b.claim_id).revision == 1
    s.client.close()


def test_the_limit_counts_claims_not_jobs(settings_factory: SettingsFactory) -> None:
    s = Setup(settings_factory())
    a, b = _two_claims_citing_two_documents(s)
    report = Rechecker(s.client, s.settings.key_prefix).recheck(
        {"kb:1": "c1", "kb:2": "c2"}, s.queue, limit=2
    )
    assert sorted(report.requeued) == sorted([a.claim_id, b.claim_id])
    assert report.over_limit == 0  # two claims: within a limit of 2
    s.client.close()


def test_a_claim_is_one_job_even_when_its_documents_are_in_different_chunks(
    settings_factory: SettingsFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shared.newsroom.rechecks._CHUNK", 1)
    s = Setup(settings_factory())
    a = factories.claim()
    s.store.save([a])
    s.publisher.publish(_cited(a, "supported", "kb:1", "kb:2"))
    rechecker = Rechecker(s.client, s.settings.key_prefix)
    rechecker.add({"kb:1": "c1", "kb:2": "c2"})
    assert rechecker.drain(s.queue, limit=1).requeued == [a.claim_id]
    assert s.queued == [[a.claim_id]] and s.record(a.claim_id).revision == 1
    assert rechecker.pending() == 0
    # both changes are marked: a drain of them again (both pending once more) sends nothing
    rechecker.add({"kb:1": "c1", "kb:2": "c2"})
    assert rechecker.drain(s.queue, limit=1).requeued == [] and rechecker.pending() == 0
    s.client.close()


def test_a_document_changed_again_while_pending_is_rechecked_once_for_its_latest_change(
    settings_factory: SettingsFactory,
) -> None:
    s = Setup(settings_factory())
    a, b = factories.claim(), factories.claim()
    s.store.save([a, b])
    s.publisher.publish(_cited(a, "supported", "kb:1"))
    s.publisher.publish(_cited(b, "supported", "kb:2"))
    rechecker = Rechecker(s.client, s.settings.key_prefix)
    rechecker.add({"kb:1": "c1", "kb:2": "c2"})
    assert rechecker.drain(s.queue, limit=0).over_limit == 2  # nothing sent: both pending
    rechecker.add({"kb:1": "c3"})  # changed again: takes the newer id, keeps its place
    pending = s.client.zrange(f"{s.settings.key_prefix}:recheck_pending", 0, -1)
    assert pending == ["kb:1", "kb:2"]
    report = rechecker.drain(s.queue, limit=1)
    assert report.requeued == [a.claim_id] and report.pending == 1  # oldest first
    assert s.client.exists(f"{s.settings.key_prefix}:recheck:{a.claim_id}:kb:1:c3") == 1
    assert s.record(a.claim_id).revision == 1
    s.client.close()


def test_a_failed_send_leaves_the_change_pending(settings_factory: SettingsFactory) -> None:
    s = Setup(settings_factory())
    a = factories.claim()
    s.store.save([a])
    s.publisher.publish(_cited(a, "supported", "kb:1"))

    def broker_down(ids: Sequence[str]) -> None:
        raise StoreUnavailableError("could not queue claims: broker down")

    rechecker = Rechecker(s.client, s.settings.key_prefix)
    rechecker.add({"kb:1": new_change_id()})
    with pytest.raises(StoreUnavailableError):
        rechecker.drain(broker_down, limit=10)
    assert rechecker.pending() == 1  # not ended: its job was never sent
    # the claim is queued at its new revision (the intake's re-queue sweep sends a claim
    # left queued); the next drain finds the change done for it and ends the document
    assert s.record(a.claim_id).status == "queued" and s.record(a.claim_id).revision == 1
    again = rechecker.drain(s.queue, limit=10)
    assert (again.requeued, again.already, again.pending) == ([], 1, 0)
    s.client.close()


def test_only_the_given_documents_are_drained(settings_factory: SettingsFactory) -> None:
    s = Setup(settings_factory())
    a, b = factories.claim(), factories.claim()
    s.store.save([a, b])
    s.publisher.publish(_cited(a, "supported", "kb:1"))
    s.publisher.publish(_cited(b, "supported", "ruling:x"))
    rechecker = Rechecker(s.client, s.settings.key_prefix)
    rechecker.add({"kb:1": "c1"})
    assert s.recheck({"ruling:x": "review-1"}) == [b.claim_id]  # a review's repeats only
    assert rechecker.pending() == 1 and s.record(a.claim_id).revision == 0
    s.client.close()


def test_a_claim_without_a_verdict_is_left_to_its_check(settings_factory: SettingsFactory) -> None:
    s = Setup(settings_factory())
    a = factories.claim()
    s.store.save([a])
    s.client.sadd(f"{s.settings.key_prefix}:cites:kb:1", a.claim_id)
    assert s.recheck({"kb:1": "h2"}) == [] and s.queued == []
    s.client.close()
