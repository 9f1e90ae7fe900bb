from __future__ import annotations

import logging

import pytest

from tests.services.intake.conftest import API_KEY, AUTH_SETTINGS, OTHER_KEY, Intake, IntakeFactory

CLAIM = {"text": "UN Security Council resolution 2254 was adopted in December 2015."}


@pytest.fixture
def secured(intake_factory: IntakeFactory) -> Intake:
    return intake_factory(**AUTH_SETTINGS)


@pytest.mark.parametrize(
    ("headers", "message"),
    [({}, "missing X-API-Key header"), ({"X-API-Key": "wrong"}, "invalid API key")],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/claims"),
        ("POST", "/v1/articles"),
        ("GET", f"/v1/claims/clm_{'0' * 32}"),
        ("GET", f"/v1/articles/art_{'0' * 32}"),
    ],
)
def test_without_a_valid_key_is_401_and_changes_nothing(
    secured: Intake, method: str, path: str, headers: dict[str, str], message: str
) -> None:
    before = secured.snapshot()
    response = secured.api.request(method, path, json=CLAIM, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "unauthorized", "message": message, "field": "X-API-Key"}
    assert secured.snapshot() == before


def test_valid_key_is_accepted_and_article_belongs_to_its_newsroom(secured: Intake) -> None:
    response = secured.api.post("/v1/articles", json=CLAIM, headers={"X-API-Key": API_KEY})
    assert response.status_code == 202
    article_id = response.json()["article_id"]
    record = secured.store.get_article(article_id)
    assert record is not None and record.newsroom == "daily-planet"
    path = f"/v1/articles/{article_id}"
    assert secured.api.get(path, headers={"X-API-Key": API_KEY}).status_code == 200
    # another newsroom cannot read it
    assert secured.api.get(path, headers={"X-API-Key": OTHER_KEY}).status_code == 404
    claim_id = response.json()["claims"][0]["claim_id"]
    claim = secured.api.get(f"/v1/claims/{claim_id}", headers={"X-API-Key": API_KEY})
    assert claim.status_code == 200 and claim.json()["article_id"] == article_id


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/openapi.json", "/docs"])
def test_open_endpoints_need_no_key(secured: Intake, path: str) -> None:
    assert secured.api.get(path).status_code == 200


def test_auth_disabled_needs_no_key(intake: Intake) -> None:
    assert intake.settings.auth_enabled is False
    assert intake.api.post("/v1/claims", json=CLAIM).status_code == 202


def test_keys_never_reach_the_logs(secured: Intake, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secured.api.post("/v1/claims", json=CLAIM, headers={"X-API-Key": "wrong-secret-key"})
    secured.api.post("/v1/claims", json=CLAIM, headers={"X-API-Key": API_KEY})
    assert "rejected an unknown API key" in caplog.text
    assert "claim accepted" in caplog.text
    assert "wrong-secret-key" not in caplog.text and API_KEY not in caplog.text


def test_openapi_declares_the_api_key_scheme(secured: Intake) -> None:
    spec = secured.api.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "The newsroom's API key (claimcheck keys add, or CLAIMCHECK_API_KEYS).",
    }
    for path, method in [
        ("/v1/articles", "post"),
        ("/v1/claims", "post"),
        ("/v1/claims/{claim_id}", "get"),
        ("/v1/articles/{article_id}", "get"),
    ]:
        assert spec["paths"][path][method]["security"] == [{"ApiKey": []}], path
    for path in ("/healthz", "/readyz"):
        assert "security" not in spec["paths"][path]["get"]
