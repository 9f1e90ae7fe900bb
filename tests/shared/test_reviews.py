from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import redis

from shared.errors import ClaimNotFoundError
from shared.publisher import VerdictPublisher
from shared.redis_client import make_redis
from shared.reviews import NotCheckedError, ReviewRecorder, review_fingerprint
from shared.schemas import Label, ReviewEvidence, ReviewSubmission
from shared.settings import Settings
from shared.store import ClaimRecord, ClaimStore
from shared.streams import decode_entry
from tests.conftest import SettingsFactory
from tests.shared import factories


@dataclass
class Reviews:
    settings: Settings
    redis: redis.Redis
    store: ClaimStore
    publisher: VerdictPublisher
    recorder: ReviewRecorder

    def checked_claim(self, label: Label = "supported") -> ClaimRecord:
        """A stored claim of an article with a published verdict, read back."""
        article, claims = factories.article(1)
        claim = claims[0].model_copy(update={"newsroom": "daily-planet", "speaker": "A. Mayor"})
        self.store.save([claim], article)
        self.publisher.publish(claim.stamp(factories.verdict(claim, label)))
        record = self.store.get_claim(claim.claim_id)
        assert record is not None
        return record

    def review_entries(self) -> list[dict[str, object]]:
        rows = self.redis.xrange(self.settings.verdict_stream)
        entries = [decode_entry(i, f) for i, f in rows]
        return [e.data for e in entries if e.type == "verdict.reviewed"]


@pytest.fixture
def reviews(settings_factory: SettingsFactory) -> Iterator[Reviews]:
    settings = settings_factory()
    client = make_redis(settings)
    yield Reviews(
        settings,
        client,
        ClaimStore.from_settings(client, settings),
        VerdictPublisher.from_settings(client, settings),
        ReviewRecorder.from_settings(client, settings),
    )
    client.close()
    client.connection_pool.disconnect()


def _review(label: Label = "refuted", **extra: object) -> ReviewSubmission:
    return ReviewSubmission.model_validate({"label": label, "reviewer": "Jane Editor", **extra})


def test_a_review_is_stored_and_announced_once(reviews: Reviews) -> None:
    claim = reviews.checked_claim("supported")
    evidence = [ReviewEvidence(url="https://example.org/report", text="The report says no.")]
    submission = _review("refuted", note="The report says otherwise.", evidence=evidence)

    outcome = reviews.recorder.record(claim, submission)

    assert outcome.recorded
    assert (outcome.review.label, outcome.review.model_label) == ("refuted", "supported")
    assert outcome.review.supersedes is None and outcome.review.evidence == evidence
    stored = reviews.store.get_claim(claim.claim_id)
    assert stored is not None and stored.review == outcome.review
    assert stored.review_stream_id == outcome.stream_id
    assert stored.verdict == claim.verdict  # the model's verdict stays as it was
    [entry] = reviews.review_entries()
    assert entry == {
        "claim_id": claim.claim_id,
        "article_id": claim.article_id,
        "claim": claim.text,
        "label": "refuted",
        "model_label": "supported",
        "note": "The report says otherwise.",
        "reviewer": "Jane Editor",
        "reviewed_at": outcome.review.model_dump(mode="json")["reviewed_at"],
        "newsroom": "daily-planet",
    }


def test_the_same_review_again_changes_nothing(reviews: Reviews) -> None:
    claim = reviews.checked_claim()
    first = reviews.recorder.record(claim, _review(note="n"))
    before = reviews.redis.hgetall(reviews.store.keys.claim(claim.claim_id))
    length = reviews.redis.xlen(reviews.settings.verdict_stream)

    # the same fields in another order and with the default spelled out are the same review
    again = ReviewSubmission.model_validate(
        {"note": "n", "reviewer": "Jane Editor", "label": "refuted", "evidence": []}
    )
    second = reviews.recorder.record(claim, again)

    assert not second.recorded
    assert (second.review, second.stream_id) == (first.review, first.stream_id)
    assert reviews.redis.hgetall(reviews.store.keys.claim(claim.claim_id)) == before
    assert reviews.redis.xlen(reviews.settings.verdict_stream) == length


def test_a_different_review_supersedes_the_earlier_one(reviews: Reviews) -> None:
    claim = reviews.checked_claim()
    first = reviews.recorder.record(claim, _review("refuted"))
    second = reviews.recorder.record(claim, _review("conflicting", note="Partly."))

    assert second.recorded and second.review.supersedes == first.review.reviewed_at
    stored = reviews.store.get_claim(claim.claim_id)
    assert stored is not None and stored.review == second.review
    entries = reviews.review_entries()
    assert [e["label"] for e in entries] == ["refuted", "conflicting"]
    assert "supersedes" not in entries[0]
    assert entries[1]["supersedes"] == first.review.model_dump(mode="json")["reviewed_at"]
    # going back to the first ruling is a new review again, superseding the second
    third = reviews.recorder.record(claim, _review("refuted"))
    assert third.recorded and third.review.supersedes == second.review.reviewed_at


def test_a_review_is_never_dated_before_the_one_it_supersedes(reviews: Reviews) -> None:
    claim = reviews.checked_claim()
    first = reviews.recorder.record(claim, _review("refuted"))
    earlier = first.review.reviewed_at - timedelta(seconds=30)  # a slow clock, or a race
    second = reviews.recorder.record(claim, _review("supported"), now=earlier)
    assert second.review.reviewed_at > first.review.reviewed_at
    assert second.review.supersedes == first.review.reviewed_at


def test_a_claim_without_a_verdict_is_refused_and_unchanged(reviews: Reviews) -> None:
    claim = factories.claim()
    reviews.store.save([claim])
    before = reviews.redis.hgetall(reviews.store.keys.claim(claim.claim_id))
    with pytest.raises(NotCheckedError):
        reviews.recorder.record(claim, _review())
    # the record said checked, but the store has no verdict: the script refuses too
    checked = claim.model_copy(update={"verdict": factories.verdict(claim)})
    with pytest.raises(NotCheckedError):
        reviews.recorder.record(checked, _review())
    assert reviews.redis.hgetall(reviews.store.keys.claim(claim.claim_id)) == before
    assert reviews.redis.xlen(reviews.settings.verdict_stream) == 0


def test_a_claim_gone_from_the_store_is_not_found(reviews: Reviews) -> None:
    claim = reviews.checked_claim()
    reviews.redis.delete(reviews.store.keys.claim(claim.claim_id))
    with pytest.raises(ClaimNotFoundError):
        reviews.recorder.record(claim, _review())
    assert reviews.review_entries() == []
    assert not reviews.redis.exists(reviews.store.keys.claim(claim.claim_id))


def test_concurrent_reviews_apply_one_after_the_other(reviews: Reviews) -> None:
    claim = reviews.checked_claim()
    labels: list[Label] = ["refuted", "conflicting", "not_enough_info", "supported"] * 4
    submissions = [_review(label, note=f"take {i}") for i, label in enumerate(labels)]
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda s: reviews.recorder.record(claim, s), submissions))

    assert all(o.recorded for o in outcomes)
    entries = reviews.review_entries()
    assert len(entries) == len(submissions)
    # the stream holds every accepted review in the order they were applied: each one
    # supersedes the one before it, and the record holds the last
    times = [str(e["reviewed_at"]) for e in entries]
    assert [e.get("supersedes") for e in entries] == [None, *times[:-1]]
    parsed = [datetime.fromisoformat(t) for t in times]
    assert parsed == sorted(parsed) and len(set(parsed)) == len(parsed)
    stored = reviews.store.get_claim(claim.claim_id)
    assert stored is not None and stored.review is not None
    assert stored.review.note == entries[-1]["note"]
    assert stored.review.reviewed_at == parsed[-1]


def test_the_fingerprint_ignores_layout_not_content() -> None:
    one = review_fingerprint(_review(note="x"))
    assert one == review_fingerprint(ReviewSubmission.model_validate(json.loads(
        '{"reviewer": "Jane Editor", "note": "x", "label": "refuted"}'
    )))  # fmt: skip
    assert one != review_fingerprint(_review(note="y"))
    assert one != review_fingerprint(_review("supported", note="x"))


def test_reviewed_at_is_utc_aware(reviews: Reviews) -> None:
    claim = reviews.checked_claim()
    outcome = reviews.recorder.record(claim, _review())
    assert outcome.review.reviewed_at.tzinfo is not None
    assert abs(outcome.review.reviewed_at - datetime.now(UTC)) < timedelta(minutes=1)
