"""The idempotency store on its own, then ``Idempotency-Key`` through the API."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest
import redis

from services.intake.api.error_answers import ApiError
from services.intake.api.idempotency import (
    PENDING_TTL_S,
    IdempotencyConfig,
    IdempotencyStore,
    Reservation,
    StoredResponse,
    fingerprint,
    parse_key,
)
from services.intake.api.submissions import submission_fingerprint
from shared.schemas import ArticleSubmission, ClaimSubmission
from shared.settings import Settings
from tests.conftest import SettingsFactory
from tests.services.intake.conftest import (
    API_KEY,
    AUTH_SETTINGS,
    CLOSED_PORT_URL,
    OTHER_KEY,
    Intake,
    IntakeFactory,
)

ARTICLE = {  # two sentences the check-worthiness model keeps
    "text": "Donald Trump and Vladimir Putin signed a joint statement on Syria in 2017. "
    "UN Security Council resolution 2254 was adopted in December 2015."
}


# --- the header ----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["a", "order-17:retry", "x" * 255, "with spaces inside"])
def test_valid_keys(value: str) -> None:
    assert parse_key(value) == value


@pytest.mark.parametrize("value", ["", "   ", "x" * 256, "tab\there", "caf\u00e9", "nul\x00"])
def test_invalid_keys(value: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_key(value)
    assert caught.value.status_code == 400
    assert caught.value.field == "Idempotency-Key"


def test_missing_key_is_no_key() -> None:
    assert parse_key(None) is None


def test_fingerprint_ignores_key_order_but_not_values() -> None:
    assert fingerprint({"a": 1, "b": "x"}) == fingerprint({"b": "x", "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})


def test_a_null_field_is_the_same_submission_as_an_absent_one() -> None:
    bare = ArticleSubmission.model_validate({"text": "Water boils."})
    nulls = ArticleSubmission.model_validate(
        {"text": "Water boils.", "title": None, "url": None, "published_at": None}
    )
    assert submission_fingerprint(bare) == submission_fingerprint(nulls)
    titled = ArticleSubmission.model_validate({"text": "Water boils.", "title": "Water"})
    assert submission_fingerprint(titled) != submission_fingerprint(bare)
    empty_title = ArticleSubmission.model_validate({"text": "Water boils.", "title": ""})
    assert submission_fingerprint(empty_title) != submission_fingerprint(bare)
    claim = ClaimSubmission.model_validate({"text": "Water boils.", "context": None})
    assert submission_fingerprint(claim) == submission_fingerprint(
        ClaimSubmission.model_validate({"text": "Water boils."})
    )


# --- the store -----------------------------------------------------------------------


def _store(client: redis.Redis, settings: Settings, **timing: float) -> IdempotencyStore:
    """The store as the intake builds it from ``settings``; ``timing``: its waits."""
    config = IdempotencyConfig(key_prefix=settings.key_prefix, ttl_s=settings.idempotency_ttl_s)
    return IdempotencyStore(client, config, **timing)


def test_first_request_reserves_then_later_ones_get_the_answer(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory(idempotency_ttl_s=600)
    store = _store(redis_client, settings)
    first = store.begin("nr:articles", "key-1", "fp")
    assert isinstance(first, Reservation)
    assert 0 < redis_client.ttl(first.redis_key) <= PENDING_TTL_S
    store.complete(first, 202, {"article_id": "art_1"})
    assert PENDING_TTL_S < redis_client.ttl(first.redis_key) <= 600
    again = store.begin("nr:articles", "key-1", "fp")
    assert again == StoredResponse(202, {"article_id": "art_1"})


def test_other_body_with_same_key_conflicts(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    store = _store(redis_client, settings_factory())
    reservation = store.begin("s", "k", "fp-1")
    assert isinstance(reservation, Reservation)
    store.complete(reservation, 202, {"claim_id": "clm_1"})
    with pytest.raises(ApiError) as caught:
        store.begin("s", "k", "fp-2")
    assert (caught.value.status_code, caught.value.error) == (409, "idempotency_conflict")


def test_scopes_are_separate(settings_factory: SettingsFactory, redis_client: redis.Redis) -> None:
    store = _store(redis_client, settings_factory())
    assert isinstance(store.begin("a:articles", "k", "fp"), Reservation)
    assert isinstance(store.begin("b:articles", "k", "fp"), Reservation)


def test_pending_key_times_out_with_409(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    store = _store(redis_client, settings_factory(), wait_s=0.2, poll_s=0.02)
    assert isinstance(store.begin("s", "k", "fp"), Reservation)
    with pytest.raises(ApiError) as caught:
        store.begin("s", "k", "fp")
    assert (caught.value.status_code, caught.value.error) == (409, "idempotency_in_progress")


def test_released_key_can_be_taken_again(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    store = _store(redis_client, settings_factory())
    first = store.begin("s", "k", "fp")
    assert isinstance(first, Reservation)
    store.release(first)
    assert redis_client.exists(first.redis_key) == 0
    second = store.begin("s", "k", "fp")
    assert isinstance(second, Reservation) and second.token != first.token
    # a stale holder can neither release nor overwrite the new holder's record
    store.release(first)
    store.complete(first, 202, {"stale": True})
    assert redis_client.exists(second.redis_key) == 1
    store.complete(second, 202, {"fresh": True})
    assert store.begin("s", "k", "fp") == StoredResponse(202, {"fresh": True})


# --- through the API -----------------------------------------------------------------


def post(
    intake: Intake, path: str, body: dict[str, Any], key: str, **headers: str
) -> httpx.Response:
    return intake.api.post(path, json=body, headers={"Idempotency-Key": key, **headers})


def test_same_key_same_body_returns_same_answer_and_queues_nothing(intake: Intake) -> None:
    first = post(intake, "/v1/articles", ARTICLE, "retry-1")
    assert first.status_code == 202
    queued = intake.queue_length()
    assert queued == len(first.json()["claims"]) == 2
    keys_before = intake.stored_keys()

    # same JSON, other key order and spacing: still the same request
    second = intake.api.post(
        "/v1/articles",
        content=b'{ "text" : ' + httpx.Response(200, json=ARTICLE["text"]).content + b"}",
        headers={"Idempotency-Key": "retry-1", "Content-Type": "application/json"},
    )
    assert second.status_code == 202
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert intake.queue_length() == queued
    assert intake.stored_keys() == keys_before


def test_explicit_null_title_replays_the_answer_without_one(intake: Intake) -> None:
    first = post(intake, "/v1/articles", ARTICLE, "null-title")
    assert first.status_code == 202
    queued = intake.queue_length()
    second = post(intake, "/v1/articles", {**ARTICLE, "title": None}, "null-title")
    assert second.status_code == 202, second.text
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert intake.queue_length() == queued


def test_same_key_other_body_is_409_and_changes_nothing(intake: Intake) -> None:
    assert post(intake, "/v1/claims", {"text": "Water boils at 100 C."}, "k1").status_code == 202
    before = intake.snapshot()
    response = post(intake, "/v1/claims", {"text": "Water boils at 90 C."}, "k1")
    assert response.status_code == 409
    assert response.json()["error"] == "idempotency_conflict"
    assert response.json()["field"] == "Idempotency-Key"
    assert intake.snapshot() == before


def test_keys_are_scoped_per_route_and_newsroom(intake_factory: IntakeFactory) -> None:
    intake = intake_factory(**AUTH_SETTINGS)
    body = {"text": "Russia and the United States signed a statement on Syria in 2017."}
    mine = post(intake, "/v1/claims", body, "shared-key", **{"X-API-Key": API_KEY})
    theirs = post(intake, "/v1/claims", body, "shared-key", **{"X-API-Key": OTHER_KEY})
    as_article = post(intake, "/v1/articles", body, "shared-key", **{"X-API-Key": API_KEY})
    assert [r.status_code for r in (mine, theirs, as_article)] == [202, 202, 202]
    assert mine.json()["claim_id"] != theirs.json()["claim_id"]
    assert intake.queue_length() == 3  # two lone claims and the article's one claim


def test_concurrent_requests_with_one_key_queue_once(intake: Intake) -> None:
    async def both() -> list[httpx.Response]:
        responses: list[httpx.Response] = []

        async def send() -> None:
            responses.append(
                await intake.api.client.post(
                    "/v1/articles", json=ARTICLE, headers={"Idempotency-Key": "race"}
                )
            )

        async with anyio.create_task_group() as group:
            for _ in range(4):
                group.start_soon(send)
        return responses

    assert intake.api.portal is not None
    responses = intake.api.portal.call(both)
    assert [r.status_code for r in responses] == [202] * 4
    assert len({r.json()["article_id"] for r in responses}) == 1
    assert intake.queue_length() == len(responses[0].json()["claims"]) == 2
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 3


def test_failed_request_releases_its_key(intake_factory: IntakeFactory) -> None:
    broken = intake_factory(broker_url=CLOSED_PORT_URL)
    failed = post(broken, "/v1/claims", {"text": "Water boils at 100 C."}, "try-again")
    assert failed.status_code == 503
    assert broken.stored_keys() == set()

    # a healthy intake on the same namespace accepts the retry with the same key
    healthy = intake_factory(
        key_prefix=broken.settings.key_prefix,
        verdict_stream=broken.settings.verdict_stream,
        queue_name=broken.settings.queue_name,
    )
    retried = post(healthy, "/v1/claims", {"text": "Water boils at 100 C."}, "try-again")
    assert retried.status_code == 202
    assert healthy.queue_length() == 1


def test_invalid_key_is_400_and_changes_nothing(intake: Intake) -> None:
    before = intake.snapshot()
    response = post(intake, "/v1/articles", ARTICLE, "x" * 256)
    assert response.status_code == 400
    assert response.json()["field"] == "Idempotency-Key"
    assert intake.snapshot() == before
