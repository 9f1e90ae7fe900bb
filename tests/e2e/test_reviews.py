"""An editor reviews a verdict a real worker published, through a real intake process."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import StackFactory
from workers.sources.factchecks.formats import parse_document

pytestmark = pytest.mark.e2e

PLANET_KEY = "dp-e2e-review-key-0123456789-aaaaaaaa"
STAR_KEY = "ds-e2e-review-key-9876543210-bbbbbbbb"
CLAIM = {
    "text": "UN Security Council resolution 2254 was adopted in December 2015.",
    "source_url": "https://daily-planet.example/syria",
}
KEYS = {"daily-planet": PLANET_KEY, "daily-star": STAR_KEY}
PUBLISHERS = {
    "daily-planet": {
        "name": "The Daily Planet",
        "url": "https://daily-planet.example",
        "review_url": "https://daily-planet.example/fact-checks/{claim_id}",
    }
}


def test_review_a_checked_claim_end_to_end(stack_factory: StackFactory) -> None:
    stack = stack_factory(auth_enabled=True, api_keys=KEYS, newsroom_publishers=PUBLISHERS)
    stack.start_worker()
    stack.start_intake()
    with (
        stack.http(**{"X-API-Key": PLANET_KEY}) as planet,
        stack.http(**{"X-API-Key": STAR_KEY}) as star,
    ):
        claim_id = planet.post("/v1/claims", json=CLAIM).json()["claim_id"]
        path = f"/v1/claims/{claim_id}"
        # before its verdict the claim cannot be reviewed
        early = planet.post(f"{path}/review", json={"label": "refuted", "reviewer": "J"})
        [verdict] = stack.wait_for_verdicts({claim_id})
        if early.status_code != 409:  # the worker was quicker than this request
            assert early.status_code == 201
        model_label = verdict.data["label"]
        queued = {i["claim_id"] for i in planet.get("/v1/review-queue").json()["items"]}
        assert (claim_id in queued) == verdict.data["needs_review"]

        body = {"label": "conflicting", "reviewer": "Jane Editor", "note": "Partly so."}
        assert star.post(f"{path}/review", json=body).status_code == 404
        response = planet.post(f"{path}/review", json=body, headers={"Idempotency-Key": "r1"})
        assert response.status_code == 201, response.text
        review = response.json()["review"]
        assert (review["label"], review["model_label"]) == ("conflicting", model_label)

        status = planet.get(path).json()
        assert status["review"] == review and status["verdict"]["label"] == model_label
        assert star.get(path).status_code == 404
        assert claim_id not in {
            i["claim_id"] for i in planet.get("/v1/review-queue").json()["items"]
        }
        assert star.get("/v1/review-queue").json()["items"] == []

        export = planet.get(f"{path}/claimreview")
        assert export.status_code == 200
        assert export.headers["content-type"].startswith("application/ld+json")
        assert star.get(f"{path}/claimreview").status_code == 404
        again = planet.post(f"{path}/review", json=body)
        assert (again.status_code, again.json()["recorded"]) == (200, False)

    reviewed = [e for e in stack.entries() if e.type == "verdict.reviewed"]
    assert reviewed[-1].stream_id == response.json()["stream_id"]
    entry = reviewed[-1].verdict_reviewed()
    assert (entry.claim_id, entry.label, entry.model_label) == (
        claim_id,
        "conflicting",
        model_label,
    )
    assert (entry.reviewer, entry.note, entry.newsroom) == (
        "Jane Editor",
        "Partly so.",
        "daily-planet",
    )
    assert len(reviewed) == (2 if early.status_code == 201 else 1)  # the repeat added nothing
    [read] = list(parse_document(export.json(), where="export"))
    assert (read.label, read.claim, read.publisher) == (
        "conflicting",
        CLAIM["text"],
        "The Daily Planet",
    )
    assert export.json()["itemReviewed"]["appearance"]["url"] == CLAIM["source_url"]
    assert export.json()["url"] == f"https://daily-planet.example/fact-checks/{claim_id}"


UNKNOWN = {
    "text": "The Quillmere town council approved 17 new tidal pumps in March 2019.",
    "source_url": "https://daily-planet.example/quillmere",
}
"""A claim no source knows: its verdict needs an editor, so it waits in the queue."""


def test_a_ruling_resolves_the_twin_of_a_resubmission(stack_factory: StackFactory) -> None:
    stack = stack_factory(auth_enabled=True, api_keys=KEYS, newsroom_publishers=PUBLISHERS)
    stack.start_worker()
    stack.start_intake()
    other_year = {**UNKNOWN, "text": UNKNOWN["text"].replace("2019", "2018")}
    with (
        stack.http(**{"X-API-Key": PLANET_KEY}) as planet,
        stack.http(**{"X-API-Key": STAR_KEY}) as star,
    ):
        # the same claim submitted twice (an article sent again), another with another year,
        # and the same claim in another newsroom
        ruled, twin, apart = (
            planet.post("/v1/claims", json=body).json()["claim_id"]
            for body in (UNKNOWN, UNKNOWN, other_year)
        )
        theirs = star.post("/v1/claims", json=UNKNOWN).json()["claim_id"]
        verdicts = stack.wait_for_verdicts({ruled, twin, apart, theirs})
        assert all(v.data["needs_review"] for v in verdicts), [
            tuple(v.data[k] for k in ("label", "confidence", "verifier_version", "reused_from"))
            for v in verdicts
        ]
        queued = {i["claim_id"] for i in planet.get("/v1/review-queue").json()["items"]}
        assert queued == {ruled, twin, apart}

        body = {"label": "refuted", "reviewer": "Jane Editor", "note": "It approved 12."}
        response = planet.post(f"/v1/claims/{ruled}/review", json=body)
        assert response.status_code == 201, response.text

        review = planet.get(f"/v1/claims/{twin}").json()["review"]
        assert (review["label"], review["note"], review["resolved_by"]) == (
            "refuted",
            body["note"],
            ruled,
        )
        assert planet.get(f"/v1/claims/{apart}").json()["review"] is None
        assert star.get(f"/v1/claims/{theirs}").json()["review"] is None
        queued = {i["claim_id"] for i in planet.get("/v1/review-queue").json()["items"]}
        assert queued == {apart}
        assert [i["claim_id"] for i in star.get("/v1/review-queue").json()["items"]] == [theirs]
        # the twin's fact-check is the ruling's page
        export = planet.get(f"/v1/claims/{twin}/claimreview").json()
        assert export["url"] == f"https://daily-planet.example/fact-checks/{ruled}"

    reviewed = {
        e.verdict_reviewed().claim_id: e.verdict_reviewed()
        for e in stack.entries()
        if e.type == "verdict.reviewed"
    }
    assert set(reviewed) == {ruled, twin}
    assert reviewed[twin].resolved_by == ruled and reviewed[ruled].resolved_by is None
