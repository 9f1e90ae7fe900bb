"""Abuse limits of the intake: claims per article, request deadline, body size."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from fastapi.responses import StreamingResponse

from services.intake.api.body import max_body_bytes
from services.intake.api.components import request_limits
from tests.services.intake.conftest import Intake, IntakeFactory


def test_claims_over_the_article_cap_are_skipped_and_reported(
    intake_factory: IntakeFactory, seed_text: str
) -> None:
    unlimited = intake_factory().api.post("/v1/articles", json={"text": seed_text}).json()
    assert len(unlimited["claims"]) > 2, "the seed article should have more than 2 claims"
    capped = intake_factory(max_claims_per_article=2)
    answer = capped.api.post("/v1/articles", json={"text": seed_text})
    assert answer.status_code == 202
    body = answer.json()
    assert len(body["claims"]) == 2
    assert body["skipped"]["over_claim_limit"] == len(unlimited["claims"]) - 2
    # the most check-worthy ones are kept, in article order
    scores = sorted((c["checkworthiness"] for c in unlimited["claims"]), reverse=True)
    assert sorted(c["checkworthiness"] for c in body["claims"]) == sorted(scores[:2])
    assert [c["start"] for c in body["claims"]] == sorted(c["start"] for c in body["claims"])
    over = [s for s in body["skipped_sentences"] if s["reason"] == "over_claim_limit"]
    assert len(over) == len(unlimited["claims"]) - 2
    dropped = {c["start"] for c in unlimited["claims"]} - {c["start"] for c in body["claims"]}
    assert {s["start"] for s in over} == dropped
    assert all(s["score"] <= min(scores[:2]) for s in over)
    assert capped.queue_length() == 2
    record = capped.store.get_article(body["article_id"])
    assert record is not None and record.claim_count == 2


def _add_slow_routes(intake: Intake, delay: float) -> None:
    app = intake.api._app

    async def slow() -> dict[str, str]:
        await asyncio.sleep(delay)
        return {"late": "yes"}

    def slow_sync() -> dict[str, str]:
        time.sleep(delay)
        return {"late": "yes"}

    async def stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[str]:
            for i in range(3):
                yield f"chunk{i}\n"
                await asyncio.sleep(delay / 2)

        return StreamingResponse(chunks(), media_type="text/plain")

    app.add_api_route("/test/slow", slow)
    app.add_api_route("/test/slow-sync", slow_sync)
    app.add_api_route("/test/stream", stream)


def test_a_request_over_the_deadline_gets_a_504(intake_factory: IntakeFactory) -> None:
    intake = intake_factory(request_timeout_s=0.3)
    _add_slow_routes(intake, delay=1.0)
    for path in ("/test/slow", "/test/slow-sync"):
        started = time.monotonic()
        response = intake.api.get(path)
        assert time.monotonic() - started < 0.9, path
        assert response.status_code == 504
        assert response.json() == {
            "error": "timeout",
            "message": "the request took more than 0.3 s",
            "field": None,
        }
    assert intake.api.get("/healthz").status_code == 200
    metrics = intake.api.get("/metrics").text
    assert "claimcheck_request_timeouts_total 2.0" in metrics


def test_a_response_that_started_in_time_is_not_cut(intake_factory: IntakeFactory) -> None:
    intake = intake_factory(request_timeout_s=0.3)
    _add_slow_routes(intake, delay=0.4)
    response = intake.api.get("/test/stream")
    assert response.status_code == 200
    assert response.text == "chunk0\nchunk1\nchunk2\n"


def test_an_oversized_body_is_refused_before_it_is_parsed(intake: Intake) -> None:
    limit = max_body_bytes(request_limits(intake.settings))
    before = intake.snapshot()
    response = intake.api.post(
        "/v1/articles",
        content=b"{" * (limit + 1),  # never valid JSON: a parse would answer 400
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert intake.snapshot() == before
