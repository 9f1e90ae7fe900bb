"""SIGTERM while long articles are being read: every answer is JSON, nothing is half done.

A real ``claimcheck serve`` process gets several long articles at once (each with its own
``Idempotency-Key``; one newsroom, so the extraction gate reads them one after the other)
and is told to stop once it has received every one of them (its ``/metrics`` counts the
requests in progress), while they are read. Every client gets a JSON answer, 202 or 503;
every accepted article is stored with all its claims; no idempotency record is left
pending; and a retry with the same key, on the next intake, gets the stored answer or a
fresh acceptance, never 409. On a loaded machine a fresh acceptance may itself outlast
the 2 s deadline: that retry's 504 is answered in time, its reading finishes in the
background and stores its answer, and the retry after it gets that answer.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from cli.processes import wait_until
from shared.store.keys import Keys
from tests.e2e.conftest import SEED_ARTICLE, Stack, StackFactory

pytestmark = pytest.mark.e2e

KEY = "sd-shutdown-key-0123456789-aaaaaaaa"
ARTICLES = 6
COPIES = 20
"""Seed-article copies per article: about 78,000 characters, about 1.2 s to read, so the
six take longer than the shortest grace period (``GRACEFUL_SHUTDOWN_S``)."""
RETRIES = 5
"""Tries of one retry: each 504 leaves, at worst, the next try to read the article again."""


def _article(number: int) -> dict[str, Any]:
    seed = SEED_ARTICLE.read_text(encoding="utf-8")
    return {"title": f"Long article {number}", "text": "\n\n".join([seed] * COPIES)}


def _post(stack: Stack, number: int, answers: dict[int, httpx.Response | Exception]) -> None:
    headers = {"X-API-Key": KEY, "Idempotency-Key": f"shutdown-{number}"}
    try:
        with httpx.Client(base_url=stack.base_url, timeout=60) as http:
            answers[number] = http.post("/v1/articles", json=_article(number), headers=headers)
    except httpx.HTTPError as exc:  # refused or cut: checked below
        answers[number] = exc


def _pending_records(stack: Stack) -> list[str]:
    pattern = Keys(stack.settings.key_prefix).idempotency("*", "*")
    return [
        key
        for key in stack.redis.scan_iter(match=pattern, count=500)
        if json.loads(stack.redis.get(key) or "{}").get("state") == "pending"
    ]


def _articles_received(stack: Stack) -> int:
    """``POST /v1/articles`` requests the intake has received: those in progress (their
    body may still be arriving) and those answered."""
    text = httpx.get(f"{stack.base_url}/metrics", timeout=10).text
    received = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.labels.get("method") != "POST":
                continue
            if sample.name == "claimcheck_http_requests_in_progress" or (
                sample.name == "claimcheck_http_requests_total"
                and sample.labels.get("route") == "/v1/articles"
            ):
                received += sample.value
    return int(received)


def _retry(
    stack: Stack, http: httpx.Client, number: int, accepted: dict[int, dict[str, Any]]
) -> httpx.Response:
    """Retry article ``number`` with its key until it is answered 202; never 409."""
    for _ in range(RETRIES):
        retry = http.post(
            "/v1/articles", json=_article(number), headers={"Idempotency-Key": f"shutdown-{number}"}
        )
        assert retry.status_code in (202, 504), retry.text  # 409: a key was left pending
        if retry.status_code == 202:
            return retry
        # only reading can outlast the deadline: a stored answer is replayed at once
        assert number not in accepted, retry.text
        assert retry.json()["error"] == "timeout", retry.text
        print(f"article {number}: the retry was answered 504; retrying once it is stored")
        wait_until(
            lambda: _pending_records(stack) == [],
            timeout=60,
            what=f"article {number}'s reading, after its 504, storing its answer",
            group=stack.group,
        )
    raise AssertionError(f"article {number}: {RETRIES} retries, none answered 202")


def _check_stored(http: httpx.Client, body: dict[str, Any]) -> None:
    stored = http.get(f"/v1/articles/{body['article_id']}")
    assert stored.status_code == 200, stored.text
    stored_ids = {c["claim_id"] for c in stored.json()["claims"]}
    assert stored_ids == {c["claim_id"] for c in body["claims"]}
    assert stored_ids, f"article {body['article_id']} has no claims"


@pytest.mark.timeout(180)
@pytest.mark.parametrize(
    ("request_timeout_s", "readers", "answered"),
    [
        # read one after the other; the grace period outlasts the work: all are answered
        (30, 1, (202, 503)),
        # read all at once, slower than the deadline: 504s whose reading goes on in the
        # background, holding their keys; the intake waits for it, then gives up the rest
        (2, ARTICLES, (202, 503, 504)),
    ],
    ids=["within-deadline", "past-deadline"],
)
def test_sigterm_during_long_article_posts_answers_json_and_leaves_nothing_half_done(
    stack_factory: StackFactory,
    request_timeout_s: float,
    readers: int,
    answered: tuple[int, ...],
) -> None:
    stack = stack_factory(
        auth_enabled=True,
        api_keys={"shutdown-desk": KEY},
        request_timeout_s=request_timeout_s,
        extraction_per_newsroom=readers,
        rate_limit_claims_per_min=0,
        rate_limit_chars_per_min=0,
    )
    stack.start_intake()
    answers: dict[int, httpx.Response | Exception] = {}
    threads = [threading.Thread(target=_post, args=(stack, n, answers)) for n in range(ARTICLES)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    wait_until(
        lambda: _articles_received(stack) >= ARTICLES,
        timeout=60,
        what=f"the intake receiving all {ARTICLES} articles",
        group=stack.group,
    )
    stack.kill("intake", signal.SIGTERM)  # waits for the process to exit
    stopped_after = time.monotonic() - started
    for thread in threads:
        thread.join(timeout=60)
    log = stack.group.log_tail("intake", 4000)
    statuses = [getattr(answers.get(n), "status_code", None) for n in range(ARTICLES)]
    print(f"\nintake stopped {stopped_after:.1f} s after the first POST; answers {statuses}")

    accepted: dict[int, dict[str, Any]] = {}
    for number in range(ARTICLES):
        answer = answers[number]
        assert isinstance(answer, httpx.Response), f"article {number}: {answer!r}\n{log}"
        assert answer.headers["content-type"] == "application/json", answer.text
        assert answer.status_code in answered, answer.text
        if answer.status_code == 503:
            assert answer.json()["error"] == "shutting_down"
            assert int(answer.headers["Retry-After"]) >= 1
        elif answer.status_code == 202:
            accepted[number] = answer.json()
    if request_timeout_s > stopped_after:
        assert accepted, "no article was accepted before the shutdown"
    assert _pending_records(stack) == []

    stack.start_intake()
    with stack.http(**{"X-API-Key": KEY}) as http:
        for body in accepted.values():
            _check_stored(http, body)
        for number in range(ARTICLES):
            retry = _retry(stack, http, number, accepted)  # the stored answer, or a fresh one
            if number in accepted:
                assert retry.headers.get("Idempotent-Replayed") == "true"
                assert retry.json() == accepted[number]
            _check_stored(http, retry.json())
