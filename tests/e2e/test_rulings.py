"""Repeats on real processes: an editor's ruling decides a repeat of the claim, and a
second submission of the seed article reuses the first one's verdicts."""

from __future__ import annotations

import statistics
import time
from datetime import datetime
from typing import Any

import httpx
import pytest

from cli.processes import wait_until
from tests.e2e.conftest import SEED_ARTICLE, Stack, StackFactory

pytestmark = pytest.mark.e2e

PLANET_KEY = "dp-e2e-rulings-key-0123456789-aaaaaaa"
STAR_KEY = "ds-e2e-rulings-key-9876543210-bbbbbbb"
CLAIM = "UN Security Council resolution 2254 was adopted unanimously in December 2015."


def _verdict(stack: Stack, claim_id: str) -> dict[str, Any]:
    [entry] = stack.wait_for_verdicts({claim_id})
    return entry.data


def test_a_ruling_decides_the_repeat_in_its_newsroom_only(stack_factory: StackFactory) -> None:
    stack = stack_factory(
        auth_enabled=True, api_keys={"daily-planet": PLANET_KEY, "daily-star": STAR_KEY}
    )
    stack.start_worker()
    stack.start_intake()
    with (
        stack.http(**{"X-API-Key": PLANET_KEY}) as planet,
        stack.http(**{"X-API-Key": STAR_KEY}) as star,
    ):
        first = planet.post("/v1/claims", json={"text": CLAIM}).json()["claim_id"]
        checked = _verdict(stack, first)
        assert checked["reused_from"] is None
        ruling = {"label": "refuted", "reviewer": "Jane Editor", "note": "It was 14 to 1."}
        response = planet.post(f"/v1/claims/{first}/review", json=ruling)
        assert response.status_code == 201, response.text

        again = planet.post("/v1/claims", json={"text": CLAIM.lower()}).json()["claim_id"]
        repeat = _verdict(stack, again)
        assert (repeat["label"], repeat["needs_review"]) == ("refuted", False)
        assert repeat["reused_from"] == first and first in str(repeat["reason"])
        [evidence] = repeat["evidence"]
        assert (evidence["source"], evidence["reviewer"], evidence["note"]) == (
            "newsroom",
            "Jane Editor",
            "It was 14 to 1.",
        )
        assert planet.get(f"/v1/claims/{again}").json()["verdict"]["label"] == "refuted"

        other = star.post("/v1/claims", json={"text": CLAIM}).json()["claim_id"]
        theirs = _verdict(stack, other)
        assert theirs["reused_from"] is None
        assert (theirs["label"], theirs["verifier_version"]) == (
            checked["label"],
            checked["verifier_version"],
        )
        assert all(e["source"] != "newsroom" for e in theirs["evidence"])
    assert len(stack.verdicts_for({first, again, other})) == 3  # one verdict per claim


def _lone_claim_latency(
    http: httpx.Client, stack: Stack, text: str
) -> tuple[float, dict[str, Any]]:
    """Seconds from POST /v1/claims to its verdict on the stream, and the verdict."""
    started = time.perf_counter()
    claim_id = http.post("/v1/claims", json={"text": text}).json()["claim_id"]
    while not stack.verdicts_for({claim_id}):
        time.sleep(0.005)
    seconds = time.perf_counter() - started
    return seconds, stack.verdicts_for({claim_id})[0].data


def test_a_second_submission_of_the_seed_article_is_reused(
    stack_factory: StackFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = stack_factory()
    stack.start_worker()
    stack.start_intake()
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    runs: list[list[dict[str, Any]]] = []
    with stack.http() as http:
        for _ in range(2):
            accepted = http.post("/v1/articles", json={"text": text}).json()
            ids = {c["claim_id"] for c in accepted["claims"]}
            runs.append([e.data for e in stack.wait_for_verdicts(ids, timeout=120)])
        first, second = runs
        reused = [v for v in second if v["reused_from"]]
        by_text = {v["claim"]: v for v in first}
        for verdict in reused:
            earlier = by_text[verdict["claim"]]
            assert verdict["reused_from"] == earlier["claim_id"]
            assert (verdict["label"], verdict["evidence"]) == (
                earlier["label"],
                earlier["evidence"],
            )
        complete = [v for v in first if not v["failed"] and not v["sources_failed"]]
        assert len(reused) == len(complete) > 0
        assert not any(v["reused_from"] for v in first)

        lone = "Da Nang is the fifth-largest city in Vietnam by population."
        checked_s, checked = _lone_claim_latency(http, stack, lone)
        reused_s = [_lone_claim_latency(http, stack, lone)[0] for _ in range(5)]
        assert checked["reused_from"] is None
        fresh = [
            _lone_claim_latency(http, stack, f"Da Nang had {n} bridges in 2020.") for n in range(5)
        ]
        assert not any(v["reused_from"] for _, v in fresh)

    with capsys.disabled():
        print(
            f"\nreuse: {len(reused)}/{len(second)} claims of the seed article reused on the "
            f"second submission ({len(first)} verdicts in the first, {len(complete)} complete)"
            f"\nlatency POST /v1/claims -> verdict on the stream: checked "
            f"{checked_s * 1000:.0f} ms once, fresh claims median "
            f"{statistics.median(s for s, _ in fresh) * 1000:.0f} ms; reused median "
            f"{statistics.median(reused_s) * 1000:.0f} ms (of 5)"
            f"\nper-claim in the article runs (checked_at spread): first "
            f"{_spread(first):.0f} ms, second {_spread(second):.0f} ms"
        )


def _spread(verdicts: list[dict[str, Any]]) -> float:
    """Milliseconds from the first verdict's check to the last's: the worker's time."""
    times = sorted(datetime.fromisoformat(str(v["checked_at"])) for v in verdicts)
    return (times[-1] - times[0]).total_seconds() * 1000


def test_a_corrected_ruling_reaches_the_repeats_it_decided(stack_factory: StackFactory) -> None:
    stack = stack_factory(auth_enabled=True, api_keys={"daily-planet": PLANET_KEY})
    stack.start_worker()
    stack.start_intake()
    with stack.http(**{"X-API-Key": PLANET_KEY}) as planet:
        first = planet.post("/v1/claims", json={"text": CLAIM}).json()["claim_id"]
        _verdict(stack, first)
        wrong = {"label": "refuted", "reviewer": "Jane Editor", "note": "It was 14 to 1."}
        assert planet.post(f"/v1/claims/{first}/review", json=wrong).status_code == 201
        repeat_id = planet.post("/v1/claims", json={"text": CLAIM}).json()["claim_id"]
        assert _verdict(stack, repeat_id)["label"] == "refuted"

        fixed = {"label": "supported", "reviewer": "Sam Chief", "note": "It was 15 to 0."}
        assert planet.post(f"/v1/claims/{first}/review", json=fixed).status_code == 201

        def updates() -> list[dict[str, Any]]:
            return [e.data for e in stack.entries() if e.type == "verdict.updated"]

        wait_until(lambda: bool(updates()), timeout=90, what="verdict.updated", group=stack.group)
        stack.wait_queue_empty()
        [update] = updates()
        assert (update["claim_id"], update["revision"]) == (repeat_id, 1)
        assert (update["label"], update["previous_label"]) == ("supported", "refuted")
        assert not update["needs_review"] and "Sam Chief" in update["evidence"][0]["text"]
        assert planet.get(f"/v1/claims/{repeat_id}").json()["verdict"]["label"] == "supported"


def test_a_ruling_never_decides_a_claim_with_other_details(stack_factory: StackFactory) -> None:
    stack = stack_factory(auth_enabled=True, api_keys={"daily-planet": PLANET_KEY})
    stack.start_worker()
    stack.start_intake()
    apec_2017 = "The APEC summit of 2017 was held in Da Nang."
    with stack.http(**{"X-API-Key": PLANET_KEY}) as planet:
        ruled = planet.post("/v1/claims", json={"text": apec_2017}).json()["claim_id"]
        _verdict(stack, ruled)
        ruling = {"label": "supported", "reviewer": "Jane Editor"}
        assert planet.post(f"/v1/claims/{ruled}/review", json=ruling).status_code == 201
        other = planet.post("/v1/claims", json={"text": apec_2017.replace("2017", "2018")}).json()[
            "claim_id"
        ]
        verdict = _verdict(stack, other)
    assert verdict["reused_from"] is None and verdict["verifier_version"] != "ruling"
    assert all(e["source"] != "newsroom" for e in verdict["evidence"])
