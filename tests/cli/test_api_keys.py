"""``claimcheck keys add|list|revoke`` against a real intake (uvicorn on loopback, real Redis)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from cli.main import main
from services.intake.api.app import create_app
from services.intake.extraction.extractor import ClaimExtractor
from shared.settings import Settings
from shared.settings_configs import broker_config
from shared.store.client import make_redis
from shared.tasks import CeleryEnqueuer
from tests.conftest import SettingsFactory
from tests.services.intake.live import live_server

ADMIN_KEY = "cli-admin-key-0123456789abcdef-aaaa"
CLAIM = {"text": "UN Security Council resolution 2254 was adopted in December 2015."}


class Env:
    def __init__(self, settings: Settings, url: str) -> None:
        self.settings = settings
        self.url = url


@pytest.fixture(scope="module")
def extractor() -> ClaimExtractor:
    return ClaimExtractor("en_core_web_sm")


@pytest.fixture
def intake_url(
    settings_factory: SettingsFactory,
    extractor: ClaimExtractor,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Env]:
    settings = settings_factory(
        auth_enabled=True,
        api_keys={"bootstrap": "bootstrap-key-123456-aaaaaaaaaaaaaaaa"},
        admin_key=ADMIN_KEY,
    )
    client = make_redis(settings)
    enqueuer = CeleryEnqueuer(broker_config(settings))
    app = create_app(settings, redis_client=client, enqueuer=enqueuer, extractor=extractor)
    try:
        with live_server(app) as url:
            monkeypatch.setenv("CLAIMCHECK_API_URL", url)
            monkeypatch.setenv("CLAIMCHECK_ADMIN_KEY", ADMIN_KEY)
            yield Env(settings, url)
    finally:
        enqueuer.close()
        client.close()
        client.connection_pool.disconnect()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_use_and_revoke(intake_url: Env, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "keys", "add", "daily-planet", "--json")
    assert code == 0
    made = json.loads(out)
    key = made["key"]
    assert made["newsroom"] == "daily-planet" and key.startswith("cck_")

    code, out, _ = _run(capsys, "keys", "add", "daily-star")
    assert code == 0 and "key:" in out and "shown this once" in out

    code, out, _ = _run(capsys, "keys", "list")
    assert code == 0
    assert made["key_id"] in out and "daily-planet" in out and "daily-star" in out
    assert key not in out

    with httpx.Client(base_url=intake_url.url, timeout=10) as http:
        assert http.post("/v1/claims", json=CLAIM, headers={"X-API-Key": key}).status_code == 202
        code, out, _ = _run(capsys, "keys", "revoke", made["key_id"])
        assert code == 0 and f"revoked {made['key_id']} (daily-planet)" in out
        assert http.post("/v1/claims", json=CLAIM, headers={"X-API-Key": key}).status_code == 401

    code, out, _ = _run(capsys, "keys", "list", "--json")
    assert [k["newsroom"] for k in json.loads(out)] == ["daily-star"]


def test_errors_are_reported_not_raised(
    intake_url: Env, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = _run(capsys, "keys", "revoke", "key_doesnotexist")
    assert code == 1 and "404" in err and "key_doesnotexist" in err
    code, _, err = _run(capsys, "keys", "add", "Not A Slug")
    assert code == 1 and "422" in err
    monkeypatch.setenv("CLAIMCHECK_ADMIN_KEY", "wrong-admin-key")
    code, _, err = _run(capsys, "keys", "list")
    assert code == 1 and "401" in err and "wrong-admin-key" not in err


def test_without_admin_key_the_command_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLAIMCHECK_ADMIN_KEY", raising=False)
    code, _, err = _run(capsys, "keys", "list")
    assert code == 1 and "CLAIMCHECK_ADMIN_KEY" in err


def test_an_unreachable_intake_is_reported(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMCHECK_ADMIN_KEY", ADMIN_KEY)
    monkeypatch.setenv("CLAIMCHECK_API_URL", "http://127.0.0.1:1")
    code, _, err = _run(capsys, "keys", "list")
    assert code == 1 and "did not answer" in err
