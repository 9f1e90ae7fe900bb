"""Rate limits in the real Redis: per newsroom and minute (requests, claims, characters), failed
authentications per address; 429 + Retry-After."""

from __future__ import annotations

import pytest
import redis

from services.intake.api.components import rate_limits
from services.intake.api.error_answers import rate_limited_error
from services.intake.api.ratelimit import WINDOW_S, RateLimited, RateLimiter
from tests.conftest import SettingsFactory
from tests.services.intake.conftest import API_KEY, AUTH_SETTINGS, OTHER_KEY, IntakeFactory

CLAIM = {"text": "UN Security Council resolution 2254 was adopted in December 2015."}
ARTICLE = {
    "text": "The APEC summit of 2017 was held in Da Nang, Vietnam. "
    "Resolution 2254 was adopted by the Security Council in December 2015. "
    "Vietnam's GDP grew by 6.8 percent in 2017."
}


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_limit_per_window_and_retry_after(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory(rate_limit_requests_per_min=3)
    clock = Clock(WINDOW_S * 1000 + 45.2)
    limiter = RateLimiter(redis_client, rate_limits(settings), clock=clock)
    assert [limiter.take("requests", "k1").allowed for _ in range(4)] == [True] * 3 + [False]
    assert limiter.take("requests", "k1").retry_after_s == 15
    assert limiter.take("requests", "k2").allowed, "each subject has its own budget"
    clock.now += 15
    assert limiter.take("requests", "k1").allowed, "a new window starts afresh"


def test_refused_amounts_use_up_nothing(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory(rate_limit_claims_per_min=10, max_claims_per_article=5)
    limiter = RateLimiter(redis_client, rate_limits(settings), clock=Clock(1_000_000.0))
    assert limiter.take("claims", "k", 8).allowed
    assert not limiter.take("claims", "k", 3).allowed
    assert limiter.take("claims", "k", 2).allowed
    assert not limiter.take("claims", "k", 1).allowed


def test_counters_expire(settings_factory: SettingsFactory, redis_client: redis.Redis) -> None:
    settings = settings_factory(rate_limit_requests_per_min=3)
    RateLimiter(redis_client, rate_limits(settings)).take("requests", "k")
    keys = list(redis_client.scan_iter(match=f"{settings.key_prefix}:rl:*"))
    assert len(keys) == 1
    assert 0 < redis_client.pttl(keys[0]) <= (WINDOW_S + 5) * 1000


def test_zero_means_unlimited(settings_factory: SettingsFactory, redis_client: redis.Redis) -> None:
    settings = settings_factory(rate_limit_requests_per_min=0)
    limiter = RateLimiter(redis_client, rate_limits(settings))
    assert all(limiter.take("requests", "k").allowed for _ in range(50))
    assert not list(redis_client.scan_iter(match=f"{settings.key_prefix}:rl:*"))


def test_check_raises_429_with_retry_after(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory(rate_limit_requests_per_min=1)
    limiter = RateLimiter(redis_client, rate_limits(settings), clock=Clock(120.0))
    limiter.check_request("k")
    with pytest.raises(RateLimited) as caught:
        limiter.check_request("k")
    assert caught.value.retry_after_s == 60
    assert caught.value.limit == "requests"
    # the limiter knows nothing of HTTP; the intake's error handlers answer 429 for it
    answer = rate_limited_error(caught.value)
    assert answer.status_code == 429
    assert answer.headers == {"Retry-After": "60"}


def test_api_requests_over_the_limit_are_429_and_change_nothing(
    intake_factory: IntakeFactory,
) -> None:
    intake = intake_factory(**AUTH_SETTINGS, rate_limit_requests_per_min=2)
    headers = {"X-API-Key": API_KEY}
    assert intake.api.post("/v1/claims", json=CLAIM, headers=headers).status_code == 202
    assert intake.api.get("/v1/claims/clm_" + "0" * 32, headers=headers).status_code == 404
    before = intake.queue_length()
    refused = intake.api.post("/v1/claims", json=CLAIM, headers=headers)
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= WINDOW_S
    assert intake.queue_length() == before
    # another newsroom's key is not affected
    other = intake.api.post("/v1/claims", json=CLAIM, headers={"X-API-Key": OTHER_KEY})
    assert other.status_code == 202
    # unauthenticated endpoints are not limited
    assert intake.api.get("/healthz").status_code == 200


def test_claims_per_minute_counts_every_claim_of_an_article(intake_factory: IntakeFactory) -> None:
    intake = intake_factory(**AUTH_SETTINGS, rate_limit_claims_per_min=3, max_claims_per_article=3)
    headers = {"X-API-Key": API_KEY}
    first = intake.api.post("/v1/articles", json=ARTICLE, headers=headers)
    assert first.status_code == 202
    queued = len(first.json()["claims"])
    assert 1 <= queued <= 3
    answers = [
        intake.api.post("/v1/claims", json=CLAIM, headers=headers).status_code for _ in range(4)
    ]
    # the window holds 3 claims: exactly 3 - queued more get through, then 429s
    assert answers == [202] * (3 - queued) + [429] * (1 + queued)
    refused = intake.api.post("/v1/claims", json=CLAIM, headers=headers)
    assert "claims per minute" in refused.json()["message"]
    assert "Retry-After" in refused.headers
    assert intake.queue_length() == 3
    claims = list(intake.redis.scan_iter(match=f"{intake.settings.key_prefix}:claim:*"))
    assert len(claims) == 3


def test_two_intakes_share_one_budget(intake_factory: IntakeFactory) -> None:
    one = intake_factory(**AUTH_SETTINGS, rate_limit_requests_per_min=2)
    two = intake_factory(
        **AUTH_SETTINGS, rate_limit_requests_per_min=2, key_prefix=one.settings.key_prefix
    )
    headers = {"X-API-Key": API_KEY}
    path = "/v1/claims/clm_" + "0" * 32
    assert one.api.get(path, headers=headers).status_code == 404
    assert two.api.get(path, headers=headers).status_code == 404
    assert one.api.get(path, headers=headers).status_code == 429
    assert two.api.get(path, headers=headers).status_code == 429


def test_a_newsrooms_keys_share_one_budget(
    intake_factory: IntakeFactory, redis_client: redis.Redis
) -> None:
    from shared.store.api_keys import ApiKeyStore

    intake = intake_factory(**AUTH_SETTINGS, rate_limit_requests_per_min=2)
    second_key = ApiKeyStore(redis_client, intake.settings.key_prefix).add("daily-planet").key
    path = "/v1/claims/clm_" + "0" * 32
    assert intake.api.get(path, headers={"X-API-Key": API_KEY}).status_code == 404
    assert intake.api.get(path, headers={"X-API-Key": second_key}).status_code == 404
    # a third key of the same newsroom adds no budget
    assert intake.api.get(path, headers={"X-API-Key": second_key}).status_code == 429
    assert intake.api.get(path, headers={"X-API-Key": API_KEY}).status_code == 429
    assert intake.api.get(path, headers={"X-API-Key": OTHER_KEY}).status_code == 404


def test_failed_authentications_are_throttled_per_address(intake_factory: IntakeFactory) -> None:
    intake = intake_factory(**AUTH_SETTINGS, auth_failures_per_min=5)
    path = "/v1/claims/clm_" + "0" * 32
    guesses = [
        intake.api.get(path, headers={"X-API-Key": f"guess-{i}"}).status_code for i in range(8)
    ]
    assert guesses == [401] * 5 + [429] * 3
    # from that address even the right key is refused for the rest of the minute, so a
    # correct guess cannot be told from a wrong one
    blocked = intake.api.get(path, headers={"X-API-Key": API_KEY})
    assert blocked.status_code == 429 and "failed authentications" in blocked.json()["message"]
    assert 1 <= int(blocked.headers["Retry-After"]) <= WINDOW_S


def test_characters_per_minute_count_articles_without_claims(
    intake_factory: IntakeFactory,
) -> None:
    intake = intake_factory(**AUTH_SETTINGS, rate_limit_chars_per_min=1000)
    quiet = {"text": "Nothing to check here at all. " * 20}  # 600 characters, no claim
    headers = {"X-API-Key": API_KEY}
    assert intake.api.post("/v1/articles", json=quiet, headers=headers).status_code == 202
    refused = intake.api.post("/v1/articles", json=quiet, headers=headers)
    assert refused.status_code == 429
    assert "characters per minute" in refused.json()["message"]
    other = intake.api.post("/v1/articles", json=quiet, headers={"X-API-Key": OTHER_KEY})
    assert other.status_code == 202
