from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import redis

from shared.errors import ClaimNotFoundError
from shared.newsroom.checked_text import CheckedTextSubmission
from shared.newsroom.checked_text_edits import CheckedTextEditor
from shared.newsroom.reviews import NotCheckedError, ReviewRecorder, review_fingerprint
from shared.newsroom.rulings import RulingIndex
from shared.schemas import Label, Review, ReviewEvidence, ReviewSubmission
from shared.settings import Settings
from shared.settings_configs import publisher_config, store_config
from shared.store.claims import ClaimRecord, ClaimStore
from shared.store.client import make_redis
from shared.store.publisher import VerdictPublisher
from shared.store.streams import decode_entry
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
        ClaimStore(client, store_config(settings)),
        VerdictPublisher(client, publisher_config(settings)),
        ReviewRecorder(client, publisher_config(settings)),
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


def test_a_record_read_before_its_verdict_arrived_is_read_again(reviews: Reviews) -> None:
    claim = factories.claim()
    reviews.store.save([claim])
    unchecked = reviews.store.get_claim(claim.claim_id)  # as a route read it
    assert unchecked is not None and unchecked.verdict is None
    reviews.publisher.publish(claim.stamp(factories.verdict(claim, "supported")))

    outcome = reviews.recorder.record(unchecked, _review("refuted"))

    assert outcome.recorded and outcome.review.model_label == "supported"
    assert outcome.claim.verdict is not None and outcome.claim.stream_id is not None


def test_a_review_is_made_of_the_claim_as_it_is_when_it_changed_since_it_was_read(
    reviews: Reviews,
) -> None:
    stale = reviews.checked_claim("supported")  # then its text is edited and checked again
    edited = "The new bridge cost 2.5 billion euros in 2019."
    CheckedTextEditor(reviews.redis, reviews.settings.key_prefix).edit(
        stale.claim_id, CheckedTextSubmission(checked_text=edited, editor="Sam Desk")
    )
    fresh = reviews.store.get_claim(stale.claim_id)
    assert fresh is not None and fresh.revision == 1
    assert reviews.publisher.publish(fresh.stamp(factories.verdict(fresh, "refuted"))).published

    outcome = reviews.recorder.record(stale, _review("conflicting"))

    assert outcome.recorded and outcome.review.model_label == "refuted"  # the new verdict's
    assert (outcome.claim.text, outcome.claim.revision) == (edited, 1)
    [entry] = reviews.review_entries()
    assert (entry["claim"], entry["model_label"]) == (edited, "refuted")
    rulings = RulingIndex(reviews.redis, reviews.settings.key_prefix)
    assert rulings.exact("daily-planet", stale.text) is None  # kept under the text as it is
    ruling = rulings.exact("daily-planet", edited)
    assert ruling is not None and ruling.label == "conflicting"


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


# --- twins: the same claim waiting twice (an article submitted again) --------------------

TWIN_TEXT = "The Han River bridge cost 40 million dollars in 2017."


def _queued(reviews: Reviews, text: str = TWIN_TEXT, newsroom: str = "daily-planet") -> ClaimRecord:
    """A claim of an article, checked with a verdict that needs review (so in the queue)."""
    claim = factories.claim(f"art_{uuid.uuid4().hex}", text).model_copy(
        update={"newsroom": newsroom}
    )
    reviews.store.save([claim])
    reviews.publisher.publish(claim.stamp(factories.verdict(claim, "supported", 0.4)))
    record = reviews.store.get_claim(claim.claim_id)
    assert record is not None and record.verdict is not None and record.verdict.needs_review
    return record


def _in_queue(reviews: Reviews, claim: ClaimRecord) -> bool:
    key = reviews.store.keys.review_queue(claim.newsroom)
    return reviews.redis.zscore(key, claim.claim_id) is not None


def _review_of(reviews: Reviews, claim: ClaimRecord) -> Review | None:
    stored = reviews.store.get_claim(claim.claim_id)
    assert stored is not None
    return stored.review


def test_a_ruling_resolves_its_open_twins_in_its_newsroom_only(reviews: Reviews) -> None:
    ruled, twin, other_twin = (_queued(reviews) for _ in range(3))
    other_year = _queued(reviews, TWIN_TEXT.replace("2017", "2018"))
    names_differ = _queued(reviews, TWIN_TEXT.replace("Han River", "han river"))
    theirs = _queued(reviews, newsroom="daily-star")
    submission = _review("refuted", note="It cost 55 million.", url="https://dp.example/fc/1")

    outcome = reviews.recorder.record(ruled, submission)

    for resolved in (twin, other_twin):
        review = _review_of(reviews, resolved)
        assert review is not None
        assert review == outcome.review.model_copy(update={"resolved_by": ruled.claim_id})
        assert not _in_queue(reviews, resolved)
    assert outcome.recorded
    assert sorted(outcome.resolved) == sorted([twin.claim_id, other_twin.claim_id])
    # another date, other details (lower-case names are no names) or another newsroom: no twin
    for untouched in (other_year, names_differ, theirs):
        assert _review_of(reviews, untouched) is None and _in_queue(reviews, untouched)
    entries = {str(e["claim_id"]): e for e in reviews.review_entries()}
    assert set(entries) == {ruled.claim_id, twin.claim_id, other_twin.claim_id}
    assert "resolved_by" not in entries[ruled.claim_id]
    assert entries[twin.claim_id] == {
        "claim_id": twin.claim_id,
        "article_id": twin.article_id,
        "claim": TWIN_TEXT,
        "label": "refuted",
        "model_label": "supported",
        "note": "It cost 55 million.",
        "reviewer": "Jane Editor",
        "reviewed_at": outcome.review.model_dump(mode="json")["reviewed_at"],
        "newsroom": "daily-planet",
        "resolved_by": ruled.claim_id,
    }


def test_a_corrected_ruling_reaches_its_twins_but_never_an_editors_own_review(
    reviews: Reviews,
) -> None:
    ruled, twin, ruled_apart = (_queued(reviews) for _ in range(3))
    first = reviews.recorder.record(ruled, _review("refuted"))
    assert set(first.resolved) == {twin.claim_id, ruled_apart.claim_id}
    # an editor rules one twin on its own: that review is the twin's from now on
    own = reviews.recorder.record(ruled_apart, _review("conflicting", note="Partly."))
    assert own.recorded and own.review.resolved_by is None
    assert own.resolved == ()  # the ruled claim has its own review: no open twin of it

    second = reviews.recorder.record(ruled, _review("supported", note="Checked again."))

    assert second.resolved == (twin.claim_id,)
    review = _review_of(reviews, twin)
    assert review is not None
    assert (review.label, review.note, review.resolved_by) == (
        "supported",
        "Checked again.",
        ruled.claim_id,
    )
    assert review.supersedes == first.review.reviewed_at
    assert _review_of(reviews, ruled_apart) == own.review
    twin_entries = [e for e in reviews.review_entries() if e["claim_id"] == twin.claim_id]
    assert [e["label"] for e in twin_entries] == ["refuted", "supported"]
    assert twin_entries[1]["supersedes"] == first.review.model_dump(mode="json")["reviewed_at"]


def test_posting_the_ruling_again_resolves_a_twin_queued_since(reviews: Reviews) -> None:
    ruled = _queued(reviews)
    first = reviews.recorder.record(ruled, _review(note="n"))
    assert first.resolved == ()
    late = _queued(reviews)  # a verdict checked before the ruling, published after it
    length = reviews.redis.xlen(reviews.settings.verdict_stream)

    again = reviews.recorder.record(ruled, _review(note="n"))

    assert not again.recorded and again.resolved == (late.claim_id,)
    assert reviews.redis.xlen(reviews.settings.verdict_stream) == length + 1
    # once resolved, the same ruling again changes nothing more
    assert reviews.recorder.record(ruled, _review(note="n")).resolved == ()
    assert reviews.redis.xlen(reviews.settings.verdict_stream) == length + 1
    # the editor posting the very same review on the twin makes it the twin's own
    own = reviews.recorder.record(late, _review(note="n"))
    assert own.recorded and own.review.resolved_by is None
