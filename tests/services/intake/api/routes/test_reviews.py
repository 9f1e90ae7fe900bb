from __future__ import annotations

import itertools
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from shared.schemas import ClaimStatus, Label, ReviewAccepted
from shared.store.streams import decode_entry
from tests.services.intake.api.routes.test_stream import (  # noqa: F401 (a fixture)
    EventReader,
    server_factory,
)
from tests.services.intake.conftest import AUTH_SETTINGS, PLANET, STAR, Intake, IntakeFactory
from tests.shared import factories
from workers.sources.factchecks.formats import parse_document

CLAIM = {"text": "The Han River bridge cost 40 million dollars to build in 2013."}
_COSTS = itertools.count(41)
ARTICLE = {
    "text": "The mayor said the Han River bridge cost 40 million dollars. "
    "It opened to traffic in March 2013, the city's transport office said.",
    "url": "https://daily-planet.example/bridge",
}
REVIEW: dict[str, Any] = {"label": "refuted", "reviewer": "Jane Editor", "note": "Council: 55m."}


PUBLISHERS = {"daily-planet": {"name": "The Daily Planet", "url": "https://daily-planet.example"}}


@pytest.fixture
def tenants(intake_factory: IntakeFactory) -> Intake:
    return intake_factory(**AUTH_SETTINGS, newsroom_publishers=PUBLISHERS)


def _checked(intake: Intake, label: Label = "supported", confidence: float = 0.9, **kw: Any) -> str:
    """A lone claim of the key's newsroom, with a published verdict (``score``: its
    check-worthiness, set before the verdict, which places it in the review queue). Each
    claim states another cost (``text``: the same claim again): claims of the same text
    are twins, and a ruling on one resolves the others."""
    headers = kw.pop("headers", PLANET)
    score = kw.pop("score", None)
    text = kw.pop("text", CLAIM["text"].replace("40", str(next(_COSTS))))
    posted = intake.api.post("/v1/claims", json={"text": text}, headers=headers)
    claim_id = str(posted.json()["claim_id"])
    if score is not None:
        _with_score(intake, claim_id, score)
    record = intake.store.get_claim(claim_id)
    assert record is not None
    intake.publisher.publish(record.stamp(factories.verdict(record, label, confidence)))
    return claim_id


def _review(
    intake: Intake, claim_id: str, body: Any = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    return intake.api.post(
        f"/v1/claims/{claim_id}/review", json=REVIEW if body is None else body,
        headers=PLANET if headers is None else headers,
    )  # fmt: skip


def _reviewed_entries(intake: Intake) -> list[dict[str, Any]]:
    rows = intake.redis.xrange(intake.settings.verdict_stream)
    return [e.data for i, f in rows if (e := decode_entry(i, f)).type == "verdict.reviewed"]


def _state(intake: Intake, claim_id: str) -> tuple[Any, ...]:
    """What a refused review must not change: the fixture's snapshot (the per-minute
    request counters of the rate limiter aside) and every field of the claim's record."""
    stream, queue, keys = intake.snapshot()
    kept = frozenset(k for k in keys if ":rl:" not in k)
    return stream, queue, kept, intake.redis.hgetall(intake.store.keys.claim(claim_id))


def test_a_review_is_stored_shown_and_on_the_stream(tenants: Intake) -> None:
    claim_id = _checked(tenants, "supported")
    response = _review(tenants, claim_id)
    assert response.status_code == 201, response.text
    accepted = ReviewAccepted.model_validate(response.json())
    assert accepted.recorded and accepted.claim_id == claim_id
    review = accepted.review
    assert (review.label, review.model_label, review.reviewer, review.note) == (
        "refuted", "supported", "Jane Editor", "Council: 55m.",
    )  # fmt: skip

    status = ClaimStatus.model_validate(
        tenants.api.get(f"/v1/claims/{claim_id}", headers=PLANET).json()
    )
    assert status.review == review
    assert status.verdict is not None and status.verdict.label == "supported"
    [entry] = _reviewed_entries(tenants)
    assert entry["claim_id"] == claim_id and entry["newsroom"] == "daily-planet"
    assert (entry["label"], entry["model_label"], entry["reviewer"]) == (
        "refuted", "supported", "Jane Editor",
    )  # fmt: skip
    assert entry["reviewed_at"] == response.json()["review"]["reviewed_at"]
    assert tenants.redis.xrange(tenants.settings.verdict_stream)[-1][0] == accepted.stream_id


def test_the_same_review_twice_answers_200_and_changes_nothing(tenants: Intake) -> None:
    claim_id = _checked(tenants)
    first = _review(tenants, claim_id)
    before = _state(tenants, claim_id)
    # the same review, its fields in another order
    again = _review(tenants, claim_id, {"note": REVIEW["note"], **REVIEW})
    assert again.status_code == 200
    assert again.json() == {**first.json(), "recorded": False}
    assert _state(tenants, claim_id) == before
    assert len(_reviewed_entries(tenants)) == 1


def test_a_later_review_supersedes_and_says_so(tenants: Intake) -> None:
    claim_id = _checked(tenants)
    first = _review(tenants, claim_id).json()["review"]
    second = _review(tenants, claim_id, {"label": "conflicting", "reviewer": "Sam Desk"})
    assert second.status_code == 201
    assert second.json()["review"]["supersedes"] == first["reviewed_at"]
    shown = tenants.api.get(f"/v1/claims/{claim_id}", headers=PLANET).json()["review"]
    assert shown == second.json()["review"]
    entries = _reviewed_entries(tenants)
    assert [e["label"] for e in entries] == ["refuted", "conflicting"]
    assert entries[1]["supersedes"] == first["reviewed_at"]


def test_idempotency_key_replays_the_first_answer(tenants: Intake) -> None:
    claim_id, other_id = _checked(tenants), _checked(tenants)
    key = {**PLANET, "Idempotency-Key": "review-1"}
    first = _review(tenants, claim_id, headers=key)
    _review(tenants, claim_id, {"label": "supported", "reviewer": "Sam Desk"})  # a colleague's
    replay = _review(tenants, claim_id, headers=key)
    assert (replay.status_code, replay.json()) == (201, first.json())
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert len(_reviewed_entries(tenants)) == 2  # the replay appended nothing
    before = _state(tenants, claim_id)
    changed = _review(tenants, claim_id, {**REVIEW, "label": "supported"}, headers=key)
    assert (changed.status_code, changed.json()["error"]) == (409, "idempotency_conflict")
    elsewhere = _review(tenants, other_id, headers=key)
    assert (elsewhere.status_code, elsewhere.json()["error"]) == (409, "idempotency_conflict")
    assert _state(tenants, claim_id) == before
    assert _reviewed_entries(tenants)[-1]["reviewer"] == "Sam Desk"


BAD_BODIES: list[tuple[dict[str, Any], str]] = [
    ({**REVIEW, "label": "mostly_true"}, "label"),
    ({**REVIEW, "reviewer": ""}, "reviewer"),
    ({**REVIEW, "reviewer": " \u200b "}, "reviewer"),
    ({**REVIEW, "reviewer": "x" * 201}, "reviewer"),
    # a right-to-left override shows "\u202eenaJ" as "Jane"; every bidi control is refused
    ({**REVIEW, "reviewer": "\u202eenaJ"}, "reviewer"),
    ({**REVIEW, "reviewer": "Jane \u2067Doe\u2069"}, "reviewer"),
    ({**REVIEW, "reviewer": "Jane\u200f"}, "reviewer"),
    ({"label": "refuted"}, "reviewer"),
    ({**REVIEW, "note": "n" * 2001}, "note"),
    ({**REVIEW, "evidence": [{"url": "javascript:alert(1)", "text": "t"}]}, "evidence.0.url"),
    ({**REVIEW, "evidence": [{"url": "https://e.example", "text": "t"}] * 21}, "evidence"),
    ({**REVIEW, "url": "ftp://e.example/x"}, "url"),
    ({**REVIEW, "verdict": "refuted"}, "verdict"),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
def test_bad_input_is_422_naming_the_field_and_changes_nothing(
    tenants: Intake, body: dict[str, Any], field: str
) -> None:
    claim_id = _checked(tenants)
    before = _state(tenants, claim_id)
    response = _review(tenants, claim_id, body)
    assert response.status_code == 422
    assert (response.json()["error"], response.json()["field"]) == ("validation_error", field)
    assert _state(tenants, claim_id) == before


def test_a_note_at_the_limit_is_accepted(tenants: Intake) -> None:
    claim_id = _checked(tenants)
    response = _review(tenants, claim_id, {**REVIEW, "note": "n" * 2000})
    assert response.status_code == 201


def test_a_reviewer_name_refused_for_a_bidi_control_says_which(tenants: Intake) -> None:
    claim_id = _checked(tenants)
    refused = _review(tenants, claim_id, {**REVIEW, "reviewer": "\u202eenaJ"})
    assert refused.status_code == 422 and "U+202E" in refused.json()["message"]
    # joiners are no direction controls: names in scripts that need them are accepted
    assert _review(tenants, claim_id, {**REVIEW, "reviewer": "Mehr\u200cdad"}).status_code == 201


def test_another_newsrooms_claim_and_unknown_ids_are_404(tenants: Intake) -> None:
    claim_id = _checked(tenants, headers=PLANET)
    before = _state(tenants, claim_id)
    for target, headers in ((claim_id, STAR), (f"clm_{'0' * 32}", PLANET), ("nope", PLANET)):
        response = _review(tenants, target, headers=headers)
        assert response.status_code == 404
        assert response.json() == {
            "error": "not_found", "message": f"no claim {target!r}", "field": "claim_id",
        }  # fmt: skip
        assert (
            tenants.api.get(f"/v1/claims/{target}/claimreview", headers=headers).status_code == 404
        )
    assert _state(tenants, claim_id) == before
    assert _review(tenants, claim_id, headers={}).status_code == 401


def test_a_claim_without_a_verdict_is_409(tenants: Intake) -> None:
    claim_id = tenants.api.post("/v1/claims", json=CLAIM, headers=PLANET).json()["claim_id"]
    before = _state(tenants, claim_id)
    response = _review(tenants, claim_id)
    assert (response.status_code, response.json()["error"]) == (409, "not_checked")
    assert _state(tenants, claim_id) == before
    # once checked, the same request is accepted
    record = tenants.store.get_claim(claim_id)
    assert record is not None
    tenants.publisher.publish(record.stamp(factories.verdict(record)))
    assert _review(tenants, claim_id).status_code == 201


def test_concurrent_reviews_are_all_answered_and_serialised(tenants: Intake) -> None:
    claim_id = _checked(tenants)
    labels: list[Label] = ["refuted", "conflicting", "supported", "not_enough_info"] * 2
    bodies = [{"label": label, "reviewer": f"Editor {i}"} for i, label in enumerate(labels)]
    with ThreadPoolExecutor(len(bodies)) as pool:
        responses = list(pool.map(lambda b: _review(tenants, claim_id, b), bodies))
    assert [r.status_code for r in responses] == [201] * len(bodies)
    entries = _reviewed_entries(tenants)
    assert sorted(e["reviewer"] for e in entries) == sorted(b["reviewer"] for b in bodies)
    times = [e["reviewed_at"] for e in entries]
    assert [e.get("supersedes") for e in entries] == [None, *times[:-1]]
    final = tenants.api.get(f"/v1/claims/{claim_id}", headers=PLANET).json()["review"]
    assert (final["reviewer"], final["reviewed_at"]) == (entries[-1]["reviewer"], times[-1])


def test_article_counts_reviewed_labels(tenants: Intake) -> None:
    accepted = tenants.api.post("/v1/articles", json=ARTICLE, headers=PLANET).json()
    claim_ids = [c["claim_id"] for c in accepted["claims"]]
    assert len(claim_ids) >= 2
    for claim_id in claim_ids:
        record = tenants.store.get_claim(claim_id)
        assert record is not None
        tenants.publisher.publish(record.stamp(factories.verdict(record, "supported")))
    path = f"/v1/articles/{accepted['article_id']}"
    before = tenants.api.get(path, headers=PLANET).json()
    assert (before["reviewed"], before["reviewed_counts"]["refuted"]) == (0, 0)
    assert _review(tenants, claim_ids[0]).status_code == 201
    status = tenants.api.get(path, headers=PLANET).json()
    assert status["counts"]["supported"] == len(claim_ids)  # the model's labels, unchanged
    assert status["reviewed"] == 1
    assert status["reviewed_counts"] == {
        "supported": 0, "refuted": 1, "not_enough_info": 0, "conflicting": 0,
    }  # fmt: skip
    shown = {c["claim_id"]: c["review"] for c in status["claims"]}
    assert shown[claim_ids[0]]["label"] == "refuted" and shown[claim_ids[1]] is None


def test_claimreview_export_reads_back_with_the_same_label(tenants: Intake) -> None:
    accepted = tenants.api.post("/v1/articles", json=ARTICLE, headers=PLANET).json()
    claim = accepted["claims"][0]
    record = tenants.store.get_claim(claim["claim_id"])
    assert record is not None
    tenants.publisher.publish(record.stamp(factories.verdict(record)))
    path = f"/v1/claims/{claim['claim_id']}/claimreview"
    missing = tenants.api.get(path, headers=PLANET)
    assert (missing.status_code, missing.json()["error"]) == (404, "not_reviewed")

    body = {**REVIEW, "label": "conflicting", "url": "https://daily-planet.example/fc/bridge"}
    assert _review(tenants, claim["claim_id"], body).status_code == 201
    response = tenants.api.get(path, headers=PLANET)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    doc = response.json()
    # the article's own words, not the extractor's rewrite
    assert doc["@type"] == "ClaimReview" and doc["claimReviewed"] == claim["source_text"]
    assert doc["itemReviewed"]["appearance"]["url"] == ARTICLE["url"]
    assert doc["author"] == {"@type": "Organization", **PUBLISHERS["daily-planet"]}
    assert doc["url"] == body["url"]
    [read] = list(parse_document(doc, where="export"))
    assert (read.label, read.publisher) == ("conflicting", "The Daily Planet")
    assert tenants.api.get(path, headers=STAR).status_code == 404


def test_claimreview_is_escaped_for_pasting_into_an_html_page(tenants: Intake) -> None:
    # newsrooms paste the JSON-LD into <script type="application/ld+json">: a note holding
    # </script> must not end that script (stored XSS)
    claim_id = _checked(tenants)
    note = 'Council: 55m. </script><script>alert("x")</script> & <!-- more'
    url = "https://daily-planet.example/fc?a=1&b=<x>"
    assert _review(tenants, claim_id, {**REVIEW, "note": note, "url": url}).status_code == 201
    response = tenants.api.get(f"/v1/claims/{claim_id}/claimreview", headers=PLANET)
    assert response.status_code == 200
    assert not {"<", ">", "&"} & set(response.text), response.text
    assert "\\u003c/script\\u003e" in response.text and "\\u0026" in response.text
    doc = response.json()  # still JSON, with the very same strings
    assert (doc["reviewBody"], doc["url"]) == (note, url)


# --- the review queue -------------------------------------------------------------------


def _queue(intake: Intake, headers: dict[str, str] = PLANET, **params: Any) -> httpx.Response:
    return intake.api.get("/v1/review-queue", params=params, headers=headers)


def _with_score(intake: Intake, claim_id: str, score: float) -> None:
    intake.redis.hset(intake.store.keys.claim(claim_id), "checkworthiness", repr(score))


def test_the_queue_lists_unreviewed_verdicts_that_need_review_best_first(tenants: Intake) -> None:
    low, high, mid = (_checked(tenants, confidence=0.3, score=s) for s in (0.55, 0.97, 0.8))
    confident = _checked(tenants, confidence=0.95)  # needs_review false: not queued
    theirs = _checked(tenants, confidence=0.3, headers=STAR)
    unchecked = tenants.api.post("/v1/claims", json=CLAIM, headers=PLANET).json()["claim_id"]

    page = _queue(tenants).json()
    assert [i["claim_id"] for i in page["items"]] == [high, mid, low]
    assert page["next_cursor"] is None
    assert all(i["verdict"]["needs_review"] for i in page["items"])
    assert not {confident, theirs, unchecked} & {i["claim_id"] for i in page["items"]}
    assert [i["claim_id"] for i in _queue(tenants, STAR).json()["items"]] == [theirs]

    # a review takes the claim off the queue
    assert _review(tenants, high).status_code == 201
    assert [i["claim_id"] for i in _queue(tenants).json()["items"]] == [mid, low]


def test_the_queue_pages_with_an_opaque_cursor(tenants: Intake) -> None:
    claim_ids = [_checked(tenants, confidence=0.2, score=0.9 - rank * 0.1) for rank in range(5)]
    first = _queue(tenants, limit=2).json()
    assert [i["claim_id"] for i in first["items"]] == claim_ids[:2]
    # reviewing a claim of the first page moves nothing of the next one
    assert _review(tenants, claim_ids[0]).status_code == 201
    second = _queue(tenants, limit=2, cursor=first["next_cursor"]).json()
    assert [i["claim_id"] for i in second["items"]] == claim_ids[2:4]
    third = _queue(tenants, limit=2, cursor=second["next_cursor"]).json()
    assert [i["claim_id"] for i in third["items"]] == claim_ids[4:]
    assert third["next_cursor"] is None


def test_any_cursor_the_schema_admits_is_a_position(tenants: Intake) -> None:
    # the fuzzer found a schema-valid cursor answered 422: the schema now says what one is
    claim_ids = [_checked(tenants, confidence=0.2, score=0.9 - rank * 0.1) for rank in range(3)]
    score = _queue(tenants, limit=1).json()["next_cursor"].split("~")[0]
    after_first = _queue(tenants, cursor=f"{score}~clm_zz").json()  # past the first's id
    assert [i["claim_id"] for i in after_first["items"]] == claim_ids[1:]
    assert _queue(tenants, cursor="1e-05~x").status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "not-a-cursor"},
        {"cursor": "W10"},
        {"cursor": "nan~clm_1"},
        {"limit": 0},
        {"limit": 101},
    ],
)
def test_bad_queue_parameters_are_422(tenants: Intake, params: dict[str, Any]) -> None:
    response = _queue(tenants, **params)
    assert response.status_code == 422
    assert response.json()["field"] in {"cursor", "limit"}


# --- the event stream ---------------------------------------------------------------------


def test_the_event_stream_carries_reviews_to_their_newsroom_only(server_factory: Any) -> None:  # noqa: F811
    srv = server_factory(**AUTH_SETTINGS)
    data = {"claim_id": "clm_1", "article_id": "art_1", "label": "refuted", "reviewer": "J"}
    srv.add("verdict.reviewed", **data, newsroom="daily-star")
    mine = srv.add("verdict.reviewed", **data, newsroom="daily-planet")
    with (
        srv.open(**PLANET) as http,
        http.stream("GET", "/v1/stream", params={"backlog": 10}) as response,
    ):
        event = EventReader(response).next()
    assert (event.id, event.event) == (mine, "verdict.reviewed")
    assert json.loads(event.data)["newsroom"] == "daily-planet"


def test_the_queue_is_an_index_that_drops_claims_gone_from_the_store(tenants: Intake) -> None:
    kept, expired = (_checked(tenants, confidence=0.3, score=s) for s in (0.9, 0.8))
    key = tenants.store.keys.review_queue("daily-planet")
    assert set(tenants.redis.zrange(key, 0, -1)) == {kept, expired}
    tenants.redis.delete(tenants.store.keys.claim(expired))  # its record's TTL ran out
    assert [i["claim_id"] for i in _queue(tenants).json()["items"]] == [kept]
    assert tenants.redis.zrange(key, 0, -1) == [kept]  # removed as it was met


def test_unknown_queue_parameters_are_422(tenants: Intake) -> None:
    response = tenants.api.get("/v1/review-queue", params={"limit": 5, "page": 2}, headers=PLANET)
    assert response.status_code == 422 and response.json()["field"] == "page"
