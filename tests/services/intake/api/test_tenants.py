"""Tenants: stored newsroom keys (admin API), and every record seen only by its newsroom."""

from __future__ import annotations

from typing import Any

import pytest

from tests.services.intake.conftest import API_KEY, AUTH_SETTINGS, OTHER_KEY, Intake, IntakeFactory

ADMIN_KEY = "admin-test-key-000111222333-aaaaaaaa"
CLAIM = {"text": "UN Security Council resolution 2254 was adopted in December 2015."}
ARTICLE = {"text": "The APEC summit of 2017 was held in Da Nang, Vietnam. It drew 21 leaders."}


@pytest.fixture
def tenants(intake_factory: IntakeFactory) -> Intake:
    return intake_factory(**AUTH_SETTINGS, admin_key=ADMIN_KEY)


def _admin(intake: Intake, method: str, path: str = "/v1/admin/keys", **kw: Any) -> Any:
    return intake.api.request(method, path, headers={"X-Admin-Key": ADMIN_KEY}, **kw)


def _as(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def test_a_key_made_by_the_admin_works_until_it_is_revoked(tenants: Intake) -> None:
    made = _admin(tenants, "POST", json={"newsroom": "the-bugle"})
    assert made.status_code == 201
    body = made.json()
    assert set(body) == {"key_id", "newsroom", "created_at", "key"}
    key = body["key"]

    accepted = tenants.api.post("/v1/claims", json=CLAIM, headers=_as(key))
    assert accepted.status_code == 202
    record = tenants.store.get_claim(accepted.json()["claim_id"])
    assert record is not None and record.newsroom == "the-bugle"

    listed = _admin(tenants, "GET").json()["keys"]
    assert [(k["key_id"], k["newsroom"]) for k in listed] == [(body["key_id"], "the-bugle")]
    assert key not in str(listed)

    revoked = _admin(tenants, "DELETE", f"/v1/admin/keys/{body['key_id']}")
    assert revoked.status_code == 200 and revoked.json()["newsroom"] == "the-bugle"
    assert tenants.api.post("/v1/claims", json=CLAIM, headers=_as(key)).status_code == 401
    again = _admin(tenants, "DELETE", f"/v1/admin/keys/{body['key_id']}")
    assert again.status_code == 404


def test_bootstrap_keys_from_settings_keep_working(tenants: Intake) -> None:
    assert tenants.api.post("/v1/claims", json=CLAIM, headers=_as(API_KEY)).status_code == 202


@pytest.mark.parametrize("admin_header", [{}, {"X-Admin-Key": "wrong"}, {"X-Admin-Key": API_KEY}])
def test_admin_api_needs_the_admin_key(tenants: Intake, admin_header: dict[str, str]) -> None:
    for method, path in (("GET", "/v1/admin/keys"), ("DELETE", "/v1/admin/keys/key_x")):
        response = tenants.api.request(method, path, headers=admin_header)
        assert response.status_code == 401, (method, path)
        assert response.json()["field"] == "X-Admin-Key"
    response = tenants.api.post("/v1/admin/keys", json={"newsroom": "x"}, headers=admin_header)
    assert response.status_code == 401
    assert not list(tenants.redis.scan_iter(match=f"{tenants.settings.key_prefix}:apikey*"))


def test_admin_api_is_absent_without_an_admin_key(intake_factory: IntakeFactory) -> None:
    intake = intake_factory(**AUTH_SETTINGS)
    response = intake.api.get("/v1/admin/keys", headers={"X-Admin-Key": ""})
    assert response.status_code == 404


def test_an_oversized_admin_body_is_413(tenants: Intake) -> None:
    response = _admin(tenants, "POST", json={"newsroom": "x" * 5000})
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


def test_bad_newsroom_name_is_422(tenants: Intake) -> None:
    response = _admin(tenants, "POST", json={"newsroom": "Not A Slug"})
    assert response.status_code == 422 and response.json()["field"] == "newsroom"


def test_a_lone_claim_is_seen_only_by_its_newsroom(tenants: Intake) -> None:
    claim_id = tenants.api.post("/v1/claims", json=CLAIM, headers=_as(API_KEY)).json()["claim_id"]
    record = tenants.store.get_claim(claim_id)
    assert record is not None and record.newsroom == "daily-planet"
    path = f"/v1/claims/{claim_id}"
    assert tenants.api.get(path, headers=_as(API_KEY)).status_code == 200
    other = tenants.api.get(path, headers=_as(OTHER_KEY))
    # the same answer as for a claim that does not exist: existence is not leaked
    unknown = tenants.api.get(f"/v1/claims/clm_{'0' * 32}", headers=_as(OTHER_KEY))
    assert other.status_code == unknown.status_code == 404
    assert other.json()["error"] == unknown.json()["error"] == "not_found"


def test_articles_and_their_claims_are_seen_only_by_their_newsroom(tenants: Intake) -> None:
    accepted = tenants.api.post("/v1/articles", json=ARTICLE, headers=_as(OTHER_KEY)).json()
    article_id = accepted["article_id"]
    article = tenants.store.get_article(article_id)
    assert article is not None and article.newsroom == "daily-star"
    assert accepted["claims"], "the article should have claims"
    for claim in accepted["claims"]:
        stored = tenants.store.get_claim(claim["claim_id"])
        assert stored is not None and stored.newsroom == "daily-star"
        path = f"/v1/claims/{claim['claim_id']}"
        assert tenants.api.get(path, headers=_as(OTHER_KEY)).status_code == 200
        assert tenants.api.get(path, headers=_as(API_KEY)).status_code == 404
    path = f"/v1/articles/{article_id}"
    assert tenants.api.get(path, headers=_as(OTHER_KEY)).status_code == 200
    assert tenants.api.get(path, headers=_as(API_KEY)).status_code == 404


def test_a_stored_key_of_one_newsroom_cannot_read_another(tenants: Intake) -> None:
    key = _admin(tenants, "POST", json={"newsroom": "daily-star"}).json()["key"]
    claim_id = tenants.api.post("/v1/claims", json=CLAIM, headers=_as(API_KEY)).json()["claim_id"]
    assert tenants.api.get(f"/v1/claims/{claim_id}", headers=_as(key)).status_code == 404
    # the stored daily-star key and the bootstrap daily-star key are one tenant
    own = tenants.api.post("/v1/claims", json=CLAIM, headers=_as(key)).json()["claim_id"]
    assert tenants.api.get(f"/v1/claims/{own}", headers=_as(OTHER_KEY)).status_code == 200
