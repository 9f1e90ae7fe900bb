"""``GET /v1/claims/{id}/claimreview``: a document Google accepts, or a 409 saying what to set."""

from __future__ import annotations

from typing import Any

import pytest

from tests.services.intake.conftest import AUTH_SETTINGS, PLANET, STAR, Intake, IntakeFactory
from tests.shared import factories
from tests.shared.newsroom.structured_data import from_html_page, google_problems, unknown_terms

PUBLISHERS: dict[str, Any] = {
    "daily-planet": {
        "name": "The Daily Planet",
        "url": "https://daily-planet.example",
        "review_url": "https://daily-planet.example/fact-checks/{claim_id}",
    },
    # a publisher without a review page template: every review needs its own url
    "daily-star": {"name": "The Daily Star", "url": "https://daily-star.example"},
}
ARTICLE = {
    "text": "The mayor said the Han River bridge cost 40 million dollars. "
    "It opened to traffic in March 2013, the city's transport office said.",
    "url": "https://daily-planet.example/bridge",
}


def _reviewed(intake: Intake, headers: dict[str, str], **review: Any) -> str:
    """A claim of an article of the key's newsroom, checked, then reviewed as given."""
    accepted = intake.api.post("/v1/articles", json=ARTICLE, headers=headers).json()
    claim_id = str(accepted["claims"][0]["claim_id"])
    record = intake.store.get_claim(claim_id)
    assert record is not None
    intake.publisher.publish(record.stamp(factories.verdict(record)))
    body = {"label": "refuted", "reviewer": "Jane Editor", **review}
    response = intake.api.post(f"/v1/claims/{claim_id}/review", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return claim_id


@pytest.mark.parametrize("label", ["refuted", "conflicting", "supported", "not_enough_info"])
def test_the_document_is_one_google_accepts(intake_factory: IntakeFactory, label: str) -> None:
    intake = intake_factory(**AUTH_SETTINGS, newsroom_publishers=PUBLISHERS)
    claim_id = _reviewed(intake, PLANET, label=label, note="</script> & <b>")
    response = intake.api.get(f"/v1/claims/{claim_id}/claimreview", headers=PLANET)
    assert response.status_code == 200, response.text
    doc = response.json()
    assert doc["url"] == f"https://daily-planet.example/fact-checks/{claim_id}"
    assert doc["author"] == {
        "@type": "Organization",
        "name": "The Daily Planet",
        "url": "https://daily-planet.example",
    }
    assert ("ratingValue" in doc["reviewRating"]) == (label != "not_enough_info")
    assert from_html_page(response.text) == [doc]
    assert unknown_terms(doc) == set() and google_problems(doc) == []


def test_no_publisher_or_no_url_is_a_409_naming_the_setting(
    intake_factory: IntakeFactory,
) -> None:
    intake = intake_factory(
        **AUTH_SETTINGS, newsroom_publishers={"daily-star": PUBLISHERS["daily-star"]}
    )
    planets = _reviewed(intake, PLANET, url="https://daily-planet.example/fc/1")
    response = intake.api.get(f"/v1/claims/{planets}/claimreview", headers=PLANET)
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "not_publishable"
    assert "newsroom 'daily-planet' has no publisher" in body["message"]
    assert "CLAIMCHECK_NEWSROOM_PUBLISHERS" in body["message"]

    stars = _reviewed(intake, STAR)  # no url, and the publisher has no template
    response = intake.api.get(f"/v1/claims/{stars}/claimreview", headers=STAR)
    assert (response.status_code, response.json()["error"]) == (409, "not_publishable")
    message = response.json()["message"]
    assert stars in message and "review_url" in message
    assert "CLAIMCHECK_NEWSROOM_PUBLISHERS" in message
    # with its own url the review is published
    again = {"label": "refuted", "reviewer": "Jane Editor", "url": "https://ds.example/fc/7"}
    assert intake.api.post(f"/v1/claims/{stars}/review", json=again, headers=STAR).is_success
    response = intake.api.get(f"/v1/claims/{stars}/claimreview", headers=STAR)
    assert response.status_code == 200 and response.json()["url"] == again["url"]


def test_the_openapi_document_declares_the_409(intake_factory: IntakeFactory) -> None:
    spec = intake_factory().api.get("/openapi.json").json()
    answers = spec["paths"]["/v1/claims/{claim_id}/claimreview"]["get"]["responses"]
    assert "409" in answers and "application/ld+json" in answers["200"]["content"]
