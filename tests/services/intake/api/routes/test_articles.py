from __future__ import annotations

import re

from shared.schemas import LABELS, ArticleAccepted, ArticleStatus
from shared.store.streams import decode_entry
from tests.services.intake.conftest import CLOSED_PORT_URL, Intake, IntakeFactory
from tests.shared import factories

ID = re.compile(r"^(art|clm)_[0-9a-f]{32}$")


def submit_seed(intake: Intake, seed_text: str) -> ArticleAccepted:
    response = intake.api.post(
        "/v1/articles",
        json={
            "text": seed_text,
            "title": "Da Nang",
            "url": "https://example.org/danang",
            "published_at": "2017-11-11T10:00:00Z",
            "external_id": "cms-42",
        },
    )
    assert response.status_code == 202, response.text
    return ArticleAccepted.model_validate(response.json())


def test_seed_article_is_accepted_with_exact_offsets(intake: Intake, seed_text: str) -> None:
    accepted = submit_seed(intake, seed_text)
    assert ID.match(accepted.article_id) and accepted.article_id.startswith("art_")
    assert len(accepted.claims) >= 10
    for claim in accepted.claims:
        assert claim.claim_id.startswith("clm_") and ID.match(claim.claim_id)
        assert seed_text[claim.start : claim.end] == claim.source_text
        assert 0.5 < claim.checkworthiness <= 1.0
        for entity in claim.entities:
            assert seed_text[entity.start : entity.end] == entity.text
    texts = " ".join(c.text for c in accepted.claims)
    assert "Путин" not in texts and "Трамп" not in texts
    assert len({c.claim_id for c in accepted.claims}) == len(accepted.claims)
    assert accepted.skipped["non_english"] == 1 and accepted.skipped["unreadable"] == 2
    assert accepted.skipped["below_threshold"] >= 1


def test_article_response_carries_the_claim_record(intake: Intake, seed_text: str) -> None:
    response = intake.api.post(
        "/v1/articles", json={"text": seed_text, "published_at": "2017-11-11T10:00:00Z"}
    )
    body = response.json()
    assert set(body) == {"article_id", "claims", "skipped", "skipped_sentences"}
    assert set(body["claims"][0]) == {
        "claim_id", "text", "source_text", "start", "end", "speaker", "attributed",
        "stand_alone", "checkworthiness", "entities", "quote_start", "quote_end",
    }  # fmt: skip
    peskov = next(c for c in body["claims"] if "Peskov told CNN" in c["source_text"])
    assert peskov["speaker"] == "Dmitry Peskov" and peskov["attributed"] is True
    assert peskov["text"].startswith("On 11 November 2017, the press Secretary")
    assert {"text": "CNN", "label": "ORG"}.items() <= next(
        e for e in peskov["entities"] if e["text"] == "CNN"
    ).items()

    # the stored record, GET /v1/claims/{id} and GET /v1/articles/{id} say the same
    record = intake.store.get_claim(peskov["claim_id"])
    assert record is not None
    assert (record.text, record.source_text, record.speaker, record.attributed) == (
        peskov["text"], peskov["source_text"], "Dmitry Peskov", True,
    )  # fmt: skip
    assert record.checkworthiness == peskov["checkworthiness"]
    assert [e.model_dump() for e in record.entities] == peskov["entities"]
    one = intake.api.get(f"/v1/claims/{peskov['claim_id']}").json()
    article = intake.api.get(f"/v1/articles/{body['article_id']}").json()
    listed = next(c for c in article["claims"] if c["claim_id"] == peskov["claim_id"])
    for view in (one, listed):
        for key, value in peskov.items():
            assert view[key] == value, key
    assert one["article_id"] == body["article_id"] and one["status"] == "queued"


def test_every_skipped_sentence_is_answered_stored_and_served(
    intake: Intake, seed_text: str
) -> None:
    body = intake.api.post("/v1/articles", json={"text": seed_text}).json()
    skipped = body["skipped_sentences"]
    assert sum(body["skipped"].values()) == len(skipped)
    by_reason: dict[str, list[dict[str, object]]] = {}
    for s in skipped:
        assert seed_text[s["start"] : s["end"]] == s["text"]
        by_reason.setdefault(str(s["reason"]), []).append(s)
    (russian,) = by_reason["non_english"]
    assert russian["language"] == "ru" and str(russian["text"]).startswith("Трамп")
    assert {s["detail"] for s in by_reason["unreadable"]} == {"truncated", "garbled_quote"}
    for s in by_reason["quote_rhetoric"] + by_reason.get("below_threshold", []):
        assert isinstance(s["score"], float) and s["score"] < 0.5678
    claim_starts = {c["start"] for c in body["claims"]}
    assert not claim_starts & {s["start"] for s in skipped}
    article = intake.api.get(f"/v1/articles/{body['article_id']}").json()
    assert article["skipped_sentences"] == skipped
    quote = next(c for c in body["claims"] if c["source_text"].startswith("“Every time"))
    assert seed_text[quote["quote_start"] : quote["quote_end"]].startswith("Every time he sees")


def test_one_job_per_claim_and_records_stored(intake: Intake, seed_text: str) -> None:
    accepted = submit_seed(intake, seed_text)
    claim_ids = [c.claim_id for c in accepted.claims]
    assert intake.queued_claim_ids() == claim_ids
    article = intake.store.get_article(accepted.article_id)
    assert article is not None
    assert article.claim_ids == claim_ids and article.text == seed_text
    assert article.title == "Da Nang" and article.external_id == "cms-42"
    records = intake.store.get_claims(claim_ids)
    assert [(r.start, r.end, r.status) for r in records] == [
        (c.start, c.end, "queued") for c in accepted.claims
    ]
    assert {r.article_id for r in records} == {accepted.article_id}
    assert intake.stream_length() == 0


def test_status_before_and_after_verdicts(intake: Intake, seed_text: str) -> None:
    accepted = submit_seed(intake, seed_text)
    path = f"/v1/articles/{accepted.article_id}"

    before = ArticleStatus.model_validate(intake.api.get(path).json())
    assert before.completed is False
    assert before.counts == dict.fromkeys(LABELS, 0)
    assert {c.status for c in before.claims} == {"queued"}
    assert before.title == "Da Nang" and before.url == "https://example.org/danang"
    assert before.external_id == "cms-42" and before.published_at is not None
    assert before.published_at.year == 2017
    assert [(c.claim_id, c.start, c.end) for c in before.claims] == [
        (c.claim_id, c.start, c.end) for c in accepted.claims
    ]

    records = intake.store.get_claims([c.claim_id for c in accepted.claims])
    intake.publisher.publish(factories.verdict(records[0], label="refuted"))
    middle = ArticleStatus.model_validate(intake.api.get(path).json())
    assert middle.completed is False
    assert middle.counts == {**dict.fromkeys(LABELS, 0), "refuted": 1}
    assert middle.claims[0].status == "done"
    assert middle.claims[0].verdict is not None and middle.claims[0].verdict.label == "refuted"
    assert {c.status for c in middle.claims[1:]} == {"queued"}

    for record in records[1:]:
        intake.publisher.publish(factories.verdict(record, label="supported"))
    after = ArticleStatus.model_validate(intake.api.get(path).json())
    assert after.completed is True
    assert after.counts == {
        "supported": len(records) - 1,
        "refuted": 1,
        "not_enough_info": 0,
        "conflicting": 0,
    }
    types = [
        decode_entry(i, f).type for i, f in intake.redis.xrange(intake.settings.verdict_stream)
    ]
    assert types == ["verdict"] * len(records) + ["article.completed"]


def test_zero_claim_article_completes_at_once(intake: Intake) -> None:
    response = intake.api.post("/v1/articles", json={"text": "Is this real? Nobody knows."})
    assert response.status_code == 202
    body = response.json()
    assert body["claims"] == []
    assert intake.queue_length() == 0
    entries = [decode_entry(i, f) for i, f in intake.redis.xrange(intake.settings.verdict_stream)]
    assert [e.type for e in entries] == ["article.completed"]
    done = entries[0].article_completed()
    assert done.article_id == body["article_id"] and done.claim_count == 0
    assert done.counts == dict.fromkeys(LABELS, 0)
    status = intake.api.get(f"/v1/articles/{body['article_id']}").json()
    assert status["completed"] is True and status["claims"] == []


def test_unknown_article_is_404(intake: Intake) -> None:
    for article_id in (f"art_{'0' * 32}", "not-an-id", "art_*"):
        response = intake.api.get(f"/v1/articles/{article_id}")
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"
        assert response.json()["field"] == "article_id"


def test_broker_down_is_503_and_nothing_is_kept(
    intake_factory: IntakeFactory, seed_text: str
) -> None:
    intake = intake_factory(broker_url=CLOSED_PORT_URL)
    before = intake.snapshot()
    response = intake.api.post("/v1/articles", json={"text": seed_text})
    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    assert "Retry-After" in response.headers
    assert intake.snapshot() == before
