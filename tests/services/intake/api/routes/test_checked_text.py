"""``PATCH /v1/claims/{claim_id}``: an editor's checked text, against the real app and Redis;
and the answers that show a claim's two texts and whether its text reads on its own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from services.intake.extraction import ClaimExtractor
from shared.newsroom.checked_text import MAX_CHECKED_TEXT_CHARS, MAX_EDITOR_CHARS
from shared.schemas import ClaimStatus
from tests.services.intake.conftest import AUTH_SETTINGS, PLANET, STAR, Intake, IntakeFactory
from tests.shared import factories

ARTICLE = {
    "text": "NASA launched the James Webb Space Telescope in December 2021. "
    "The telescope cost 10 billion dollars. Science operations began the same day."
}
EDITED = "Science operations of the James Webb Space Telescope began in July 2022."
EDIT = {"checked_text": EDITED, "editor": "Jane Editor"}


@pytest.fixture
def extractor(rules_extractor: ClaimExtractor) -> ClaimExtractor:
    """Every sentence a claim (score 0.9): these tests are about the claims' texts."""
    return rules_extractor


@pytest.fixture
def tenants(intake_factory: IntakeFactory) -> Intake:
    return intake_factory(**AUTH_SETTINGS)


def _article_claims(intake: Intake, headers: dict[str, str] = PLANET) -> list[dict[str, Any]]:
    response = intake.api.post("/v1/articles", json=ARTICLE, headers=headers)
    assert response.status_code == 202, response.text
    claims: list[dict[str, Any]] = response.json()["claims"]
    assert len(claims) == 3
    return claims


def _checked(intake: Intake, claim_id: str) -> None:
    """Publish a verdict for the claim, as a worker would."""
    record = intake.store.get_claim(claim_id)
    assert record is not None
    intake.publisher.publish(record.stamp(factories.verdict(record, "refuted")))


def _patch(
    intake: Intake, claim_id: str, body: Any = None, headers: dict[str, str] = PLANET
) -> httpx.Response:
    return intake.api.request(
        "PATCH", f"/v1/claims/{claim_id}", json=EDIT if body is None else body, headers=headers
    )


def _state(intake: Intake) -> tuple[Any, ...]:
    """What a refused request must not change: streams, queue and every stored hash."""
    stream, queue, keys = intake.snapshot()
    kept = sorted(k for k in keys if ":rl:" not in k)
    hashes = [intake.redis.hgetall(k) for k in kept if intake.redis.type(k) == "hash"]
    return stream, queue, kept, hashes


def test_the_answers_show_both_texts_and_which_claim_does_not_stand_alone(
    tenants: Intake,
) -> None:
    launched, cost, same_day = _article_claims(tenants)
    # the extractor named the telescope; it could not date "the same day": the article's words
    assert cost["source_text"] == "The telescope cost 10 billion dollars."
    assert cost["text"] == "The James Webb Space Telescope cost 10 billion dollars."
    assert (cost["stand_alone"], launched["stand_alone"]) == (True, True)
    assert same_day["stand_alone"] is False
    assert same_day["text"] == same_day["source_text"] == "Science operations began the same day."

    shown = tenants.api.get(f"/v1/claims/{same_day['claim_id']}", headers=PLANET).json()
    assert (shown["stand_alone"], shown["source_text"], shown["checked_text_edit"]) == (
        False, same_day["source_text"], None,
    )  # fmt: skip
    article = tenants.api.get(f"/v1/articles/{shown['article_id']}", headers=PLANET).json()
    by_id = {c["claim_id"]: c for c in article["claims"]}
    assert by_id[cost["claim_id"]]["source_text"] == cost["source_text"]
    assert by_id[cost["claim_id"]]["text"] == cost["text"]
    assert [by_id[c["claim_id"]]["stand_alone"] for c in (launched, cost, same_day)] == [
        True, True, False,
    ]  # fmt: skip


def test_an_editors_checked_text_is_stored_shown_and_its_check_queued(tenants: Intake) -> None:
    *_, claim = _article_claims(tenants)
    claim_id = claim["claim_id"]
    _checked(tenants, claim_id)
    jobs = tenants.queued_claim_ids()

    response = _patch(tenants, claim_id)
    assert response.status_code == 200, response.text
    answer = ClaimStatus.model_validate(response.json())
    assert (answer.text, answer.source_text, answer.status) == (
        EDITED, claim["source_text"], "queued",
    )  # fmt: skip
    edit = answer.checked_text_edit
    assert edit is not None
    assert (edit.editor, edit.revision, edit.extracted_text) == ("Jane Editor", 1, claim["text"])
    assert edit.edited_at.tzinfo is not None
    assert edit.edited_at <= datetime.now(edit.edited_at.tzinfo)
    assert answer.verdict is not None and answer.verdict.label == "refuted"  # until re-checked

    shown = tenants.api.get(f"/v1/claims/{claim_id}", headers=PLANET).json()
    assert shown == response.json()
    article = tenants.api.get(f"/v1/articles/{answer.article_id}", headers=PLANET).json()
    [listed] = [c for c in article["claims"] if c["claim_id"] == claim_id]
    assert listed["text"] == EDITED and listed["checked_text_edit"] == shown["checked_text_edit"]
    record = tenants.store.get_claim(claim_id)
    assert record is not None and (record.text, record.revision) == (EDITED, 1)
    assert tenants.queued_claim_ids() == [*jobs, claim_id]  # checked again, by the worker


def test_the_same_text_twice_changes_nothing_and_queues_once(tenants: Intake) -> None:
    *_, claim = _article_claims(tenants)
    _checked(tenants, claim["claim_id"])
    first = _patch(tenants, claim["claim_id"])
    before = _state(tenants)
    # the same text, even from another editor: nothing to check again
    again = _patch(tenants, claim["claim_id"], {"editor": "Sam Desk", "checked_text": EDITED})
    assert (again.status_code, again.json()) == (200, first.json())
    assert _state(tenants) == before
    # another text: the next revision, one more job
    other = _patch(tenants, claim["claim_id"], {**EDIT, "checked_text": EDITED + " Or so."})
    edit = other.json()["checked_text_edit"]
    assert (edit["revision"], edit["extracted_text"]) == (2, claim["text"])
    assert tenants.queued_claim_ids().count(claim["claim_id"]) == 3  # submitted, edited twice


def test_an_idempotency_key_replays_the_first_answer(tenants: Intake) -> None:
    *_, claim = _article_claims(tenants)
    keyed = {**PLANET, "Idempotency-Key": "edit-1"}
    first = _patch(tenants, claim["claim_id"], headers=keyed)
    _patch(tenants, claim["claim_id"], {**EDIT, "checked_text": "A colleague's text."})
    replay = _patch(tenants, claim["claim_id"], headers=keyed)
    assert (replay.status_code, replay.json()) == (200, first.json())
    assert replay.headers["Idempotent-Replayed"] == "true"
    changed = _patch(tenants, claim["claim_id"], {**EDIT, "editor": "Sam"}, headers=keyed)
    assert (changed.status_code, changed.json()["error"]) == (409, "idempotency_conflict")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"editor": "Jane"}, "checked_text"),
        ({"checked_text": EDITED}, "editor"),
        ({**EDIT, "checked_text": ""}, "checked_text"),
        ({**EDIT, "checked_text": " \n\t\u200b\u2060 "}, "checked_text"),
        ({**EDIT, "checked_text": "x" * (MAX_CHECKED_TEXT_CHARS + 1)}, "checked_text"),
        ({**EDIT, "checked_text": 42}, "checked_text"),
        ({**EDIT, "editor": "  "}, "editor"),
        ({**EDIT, "editor": "e" * (MAX_EDITOR_CHARS + 1)}, "editor"),
        ({**EDIT, "editor": "\u202eenaJ"}, "editor"),  # shown as "Jane"
        ({**EDIT, "editor": "Jane\u202a Doe"}, "editor"),
        ({**EDIT, "text": EDITED}, "text"),
    ],
)
def test_bad_bodies_are_422_naming_the_field_and_change_nothing(
    tenants: Intake, body: dict[str, Any], field: str
) -> None:
    *_, claim = _article_claims(tenants)
    before = _state(tenants)
    response = _patch(tenants, claim["claim_id"], body)
    assert response.status_code == 422, response.text
    assert (response.json()["error"], response.json()["field"]) == ("validation_error", field)
    assert _state(tenants) == before


def test_malformed_json_and_wrong_content_type_are_refused(tenants: Intake) -> None:
    *_, claim = _article_claims(tenants)
    path = f"/v1/claims/{claim['claim_id']}"
    as_json = {**PLANET, "Content-Type": "application/json"}
    broken = tenants.api.request("PATCH", path, content=b'{"checked_text": ', headers=as_json)
    assert (broken.status_code, broken.json()["error"]) == (400, "malformed_json")
    lone = b'{"checked_text": "\\ud800", "editor": "J"}'
    surrogate = tenants.api.request("PATCH", path, content=lone, headers=as_json)
    assert (surrogate.status_code, surrogate.json()["field"]) == (422, "checked_text")
    text = tenants.api.request(
        "PATCH", path, content=b"x", headers={**PLANET, "Content-Type": "text/plain"}
    )
    assert text.status_code == 415


def test_another_newsrooms_claim_an_unknown_one_and_no_key_are_refused(tenants: Intake) -> None:
    *_, claim = _article_claims(tenants, headers=STAR)
    before = _state(tenants)
    for claim_id in (claim["claim_id"], "clm_" + "0" * 32, "not-a-claim-id"):
        response = _patch(tenants, claim_id)
        assert response.status_code == 404, claim_id
        assert (response.json()["error"], response.json()["field"]) == ("not_found", "claim_id")
    assert _patch(tenants, claim["claim_id"], headers={}).status_code == 401
    assert _state(tenants) == before
    assert _patch(tenants, claim["claim_id"], headers=STAR).status_code == 200


def test_the_openapi_document_declares_the_edit(tenants: Intake) -> None:
    spec = tenants.api.get("/openapi.json").json()
    patch = spec["paths"]["/v1/claims/{claim_id}"]["patch"]
    body = patch["requestBody"]["content"]["application/json"]["schema"]
    assert sorted(body["required"]) == ["checked_text", "editor"]
    assert body["additionalProperties"] is False
    assert body["properties"]["checked_text"]["maxLength"] == MAX_CHECKED_TEXT_CHARS
    assert {"200", "401", "404", "409", "422"} <= set(patch["responses"])
    assert patch["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ClaimStatus"
    }
    status = spec["components"]["schemas"]["ClaimStatus"]["properties"]
    assert {"stand_alone", "source_text", "checked_text_edit"} <= set(status)
