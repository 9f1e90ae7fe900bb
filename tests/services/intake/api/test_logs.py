"""The intake's log lines: JSON with claim and article ids, never an API or admin key."""

from __future__ import annotations

import io
import json
import logging

import pytest

from shared.logging import configure_logging
from tests.services.intake.conftest import API_KEY, AUTH_SETTINGS, IntakeFactory
from tests.shared.test_logging import restore_root  # noqa: F401 (a fixture)

ADMIN_KEY = "admin-log-test-key-5551234-aaaaaaaaaa"
CLAIM = {"text": "UN Security Council resolution 2254 was adopted in December 2015."}
ARTICLE = {"text": "The APEC summit of 2017 was held in Da Nang, Vietnam."}


@pytest.mark.usefixtures("restore_root")
def test_no_key_reaches_the_logs_and_lines_name_their_claims(
    intake_factory: IntakeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    intake = intake_factory(**AUTH_SETTINGS, admin_key=ADMIN_KEY, log_format="json")
    out = io.StringIO()
    configure_logging(intake.settings.model_copy(update={"log_level": "DEBUG"}), stream=out)
    logging.getLogger().addHandler(caplog.handler)

    admin = {"X-Admin-Key": ADMIN_KEY}
    stored_key = intake.api.post("/v1/admin/keys", json={"newsroom": "bugle"}, headers=admin)
    stored = stored_key.json()["key"]
    claim = intake.api.post("/v1/claims", json=CLAIM, headers={"X-API-Key": API_KEY}).json()
    article = intake.api.post("/v1/articles", json=ARTICLE, headers={"X-API-Key": stored}).json()
    wrong = "cck_" + "w" * 43
    assert (
        intake.api.post("/v1/claims", json=CLAIM, headers={"X-API-Key": wrong}).status_code == 401
    )
    assert (
        intake.api.get("/v1/admin/keys", headers={"X-Admin-Key": "nope-" + ADMIN_KEY}).status_code
        == 401
    )
    intake.api.get(f"/v1/claims/{claim['claim_id']}", headers={"X-API-Key": stored})

    written = out.getvalue()
    everything = written + caplog.text
    assert "claim accepted" in written and "article accepted" in written
    for key in (API_KEY, stored, wrong, ADMIN_KEY, stored[4:]):
        assert key not in everything
    lines = [json.loads(line) for line in written.splitlines()]
    accepted = [line for line in lines if line["message"].startswith("claim accepted")]
    assert accepted[0]["claim_id"] == claim["claim_id"]
    assert accepted[0]["newsroom"] == "daily-planet"
    article_line = next(line for line in lines if line["message"].startswith("article accepted"))
    assert article_line["article_id"] == article["article_id"]
    assert article_line["claim_ids"] == [c["claim_id"] for c in article["claims"]]
