"""``/v1/admin/webhooks``: register, list and remove newsrooms' endpoints (admin key only)."""

from __future__ import annotations

from typing import Any

import pytest

from shared.store.webhooks import WebhookStore
from tests.services.intake.conftest import API_KEY, AUTH_SETTINGS, Intake, IntakeFactory

ADMIN_KEY = "admin-test-key-000111222333-bbbbbbbb"
PATH = "/v1/admin/webhooks"


@pytest.fixture
def admin(intake_factory: IntakeFactory) -> Intake:
    return intake_factory(**AUTH_SETTINGS, admin_key=ADMIN_KEY)


def _admin(intake: Intake, method: str, path: str = PATH, **kw: Any) -> Any:
    return intake.api.request(method, path, headers={"X-Admin-Key": ADMIN_KEY}, **kw)


def test_an_endpoint_is_registered_listed_without_its_secret_and_removed(admin: Intake) -> None:
    made = _admin(
        admin,
        "POST",
        json={"newsroom": "daily", "url": "https://hooks.example/x", "events": ["verdict"]},
    )
    assert made.status_code == 201
    body = made.json()
    assert body["secret"].startswith("whsec_") and body["newsroom"] == "daily"
    assert body["events"] == ["verdict"] and body["disabled"] is False
    stored = WebhookStore(admin.redis, admin.settings.key_prefix).get(body["endpoint_id"])
    assert stored is not None and stored.secret == body["secret"]
    _admin(admin, "POST", json={"newsroom": "weekly", "url": "http://93.184.216.34:9/y"})
    listed = _admin(admin, "GET").json()["webhooks"]
    assert [w["newsroom"] for w in listed] == ["daily", "weekly"]
    assert all("secret" not in w for w in listed)
    only = _admin(admin, "GET", params={"newsroom": "daily"}).json()["webhooks"]
    assert [w["endpoint_id"] for w in only] == [body["endpoint_id"]]
    removed = _admin(admin, "DELETE", f"{PATH}/{body['endpoint_id']}")
    assert removed.status_code == 200 and "secret" not in removed.json()
    assert _admin(admin, "DELETE", f"{PATH}/{body['endpoint_id']}").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"newsroom": "daily", "url": "ftp://hooks.example/x"},
        {"newsroom": "daily", "url": "javascript:alert(1)"},
        {"newsroom": "daily", "url": "https:///no-host"},
        {"newsroom": "Not A Slug", "url": "https://hooks.example/x"},
        {"newsroom": "daily", "url": "https://hooks.example/x", "events": ["nope"]},
        {"newsroom": "daily", "url": "https://hooks.example/x", "events": []},
        {"newsroom": "daily", "url": "https://hooks.example/x", "extra": 1},
    ],
)
def test_bad_registrations_are_422(admin: Intake, body: dict[str, Any]) -> None:
    assert _admin(admin, "POST", json=body).status_code == 422


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.5:6379/",
        "http://0.0.0.0/",
        "http://2130706433/",
        "https://0x7f.1/hook",
    ],
)
def test_internal_addresses_are_refused_with_422(admin: Intake, url: str) -> None:
    answer = _admin(admin, "POST", json={"newsroom": "daily", "url": url})
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"] == "validation_error" and body["field"] == "url"
    assert "address" in body["message"] or "loopback name" in body["message"]
    assert "CLAIMCHECK_WEBHOOK_ALLOW_PRIVATE" in body["message"]
    assert WebhookStore(admin.redis, admin.settings.key_prefix).endpoints() == []


def test_allow_private_takes_local_urls(intake_factory: IntakeFactory) -> None:
    local = intake_factory(**AUTH_SETTINGS, admin_key=ADMIN_KEY, webhook_allow_private=True)
    answer = _admin(local, "POST", json={"newsroom": "daily", "url": "http://127.0.0.1:9/y"})
    assert answer.status_code == 201 and answer.json()["url"] == "http://127.0.0.1:9/y"


@pytest.mark.parametrize("header", [{}, {"X-Admin-Key": "wrong"}, {"X-Admin-Key": API_KEY}])
def test_webhooks_need_the_admin_key(admin: Intake, header: dict[str, str]) -> None:
    assert admin.api.get(PATH, headers=header).status_code in (401, 404)
    response = admin.api.post(
        PATH, json={"newsroom": "daily", "url": "https://hooks.example/x"}, headers=header
    )
    assert response.status_code in (401, 404)
    assert WebhookStore(admin.redis, admin.settings.key_prefix).endpoints() == []
