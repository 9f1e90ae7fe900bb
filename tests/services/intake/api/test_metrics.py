"""``GET /metrics`` of the intake: request counters by route template, claims, Redis gauges."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.services.intake.conftest import API_KEY, AUTH_SETTINGS, Intake, IntakeFactory

CLAIM = {"text": "UN Security Council resolution 2254 was adopted in December 2015."}


def _samples(intake: Intake) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = intake.api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_requests_claims_and_gauges_are_exported(intake: Intake) -> None:
    for _ in range(2):
        assert intake.api.post("/v1/claims", json=CLAIM).status_code == 202
    missing = intake.api.get("/v1/claims/clm_" + "1" * 32)
    assert missing.status_code == 404
    intake.redis.xadd(intake.settings.verdict_stream, {"type": "verdict", "data": "{}"})
    samples = _samples(intake)

    def value(name: str, **labels: str) -> float:
        return samples.get((name, frozenset(labels.items())), 0.0)

    assert (
        value("claimcheck_http_requests_total", method="POST", route="/v1/claims", status="202")
        == 2
    )
    # the route template, never the raw path with its id
    assert (
        value(
            "claimcheck_http_requests_total",
            method="GET",
            route="/v1/claims/{claim_id}",
            status="404",
        )
        == 1
    )
    assert value("claimcheck_claims_queued_total", kind="claim") == 2
    assert value("claimcheck_queue_depth") == intake.queue_length() == 2
    assert value("claimcheck_stream_length") == 1
    assert value("claimcheck_redis_up") == 1
    assert (
        value("claimcheck_http_request_duration_seconds_count", method="POST", route="/v1/claims")
        == 2
    )


def test_rate_limited_requests_are_counted(intake_factory: IntakeFactory) -> None:
    intake = intake_factory(**AUTH_SETTINGS, rate_limit_requests_per_min=1)
    headers = {"X-API-Key": API_KEY}
    assert intake.api.post("/v1/claims", json=CLAIM, headers=headers).status_code == 202
    assert intake.api.post("/v1/claims", json=CLAIM, headers=headers).status_code == 429
    samples = _samples(intake)
    assert samples[("claimcheck_rate_limited_total", frozenset({("limit", "requests")}))] == 1


def test_metrics_endpoint_is_not_in_the_api_schema(intake: Intake) -> None:
    assert "/metrics" not in intake.api.get("/openapi.json").json()["paths"]


def test_unreachable_redis_leaves_gauges_out(intake_factory: IntakeFactory) -> None:
    from tests.services.intake.conftest import CLOSED_PORT_URL

    intake = intake_factory(redis_url_for_app=CLOSED_PORT_URL)
    samples = _samples(intake)
    assert samples[("claimcheck_redis_up", frozenset())] == 0
    assert ("claimcheck_queue_depth", frozenset()) not in samples


def test_requests_in_progress_count_until_their_answer_starts(intake: Intake) -> None:
    assert intake.api.post("/v1/claims", json=CLAIM).status_code == 202
    samples = _samples(intake)
    # the scrape itself is the one request being answered; the POST was answered
    key = "claimcheck_http_requests_in_progress"
    assert samples[(key, frozenset({("method", "GET")}))] == 1
    assert samples[(key, frozenset({("method", "POST")}))] == 0
