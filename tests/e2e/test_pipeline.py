"""Article in over HTTP, verdicts out on the Redis stream, through a real Celery worker."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from celery import Celery

from shared.schemas import Verdict
from shared.tasks import VERIFY_TASK_NAME
from tests.e2e.conftest import SEED_ARTICLE, StackFactory

pytestmark = pytest.mark.e2e


def test_seed_article_gets_one_verdict_per_claim_then_completed(
    stack_factory: StackFactory,
) -> None:
    stack = stack_factory()
    stack.start_worker(concurrency=2)
    stack.start_intake()
    text = SEED_ARTICLE.read_text(encoding="utf-8")

    with stack.http() as http:
        response = http.post("/v1/articles", json={"text": text, "title": "Da Nang"})
        assert response.status_code == 202
        accepted = response.json()
        claim_ids = {c["claim_id"] for c in accepted["claims"]}
        assert len(claim_ids) >= 10
        for claim in accepted["claims"]:
            assert text[claim["start"] : claim["end"]] == claim["source_text"]

        verdicts = stack.wait_for_verdicts(claim_ids)
        # the completion entry follows the last verdict
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            completed = [e for e in stack.entries() if e.type == "article.completed"]
            if completed:
                break
            time.sleep(0.1)
        status = http.get(f"/v1/articles/{accepted['article_id']}").json()

    assert Counter(e.data["claim_id"] for e in verdicts) == dict.fromkeys(claim_ids, 1)
    for entry in verdicts:
        verdict = entry.verdict()
        assert verdict.article_id == accepted["article_id"]
        assert 0.0 <= verdict.confidence <= 1.0
    entries = stack.entries()
    assert [e.type for e in entries].count("article.completed") == 1
    assert entries[-1].type == "article.completed"
    done = entries[-1].article_completed()
    assert done.article_id == accepted["article_id"]
    assert done.claim_count == len(claim_ids) == sum(done.counts.values())
    assert status["completed"] is True
    assert all(c["status"] in {"done", "failed"} and c["verdict"] for c in status["claims"])
    assert status["counts"] == done.counts
    # the knowledge base decides at least some claims of the seed article
    assert any(Verdict.model_validate(e.data).evidence for e in verdicts)


def test_lone_claim_and_status_polling(stack_factory: StackFactory) -> None:
    stack = stack_factory()
    stack.start_worker()
    stack.start_intake()
    with stack.http() as http:
        response = http.post(
            "/v1/claims",
            json={"text": "UN Security Council resolution 2254 was adopted in December 2015."},
        )
        assert response.status_code == 202
        claim_id = response.json()["claim_id"]
        stack.wait_for_verdicts({claim_id})
        status = http.get(f"/v1/claims/{claim_id}").json()
    assert status["status"] == "done"
    assert status["verdict"]["claim_id"] == claim_id
    assert status["verdict"]["evidence"], "the starter knowledge base covers resolution 2254"


def test_duplicate_task_delivery_publishes_once(stack_factory: StackFactory) -> None:
    stack = stack_factory()
    stack.start_intake()
    with stack.http() as http:
        claim_id = http.post(
            "/v1/claims", json={"text": "Dmitry Peskov is the Kremlin's press secretary."}
        ).json()["claim_id"]
    # deliver the same task three more times through the broker, before any worker runs
    producer = Celery(broker=stack.settings.effective_broker_url)
    for _ in range(3):
        producer.send_task(VERIFY_TASK_NAME, args=[claim_id], queue=stack.settings.queue_name)
    producer.close()
    assert stack.queue_length() == 4

    stack.start_worker(concurrency=2)
    stack.wait_for_verdicts({claim_id})
    stack.wait_queue_empty()
    time.sleep(1.0)
    assert len(stack.verdicts_for({claim_id})) == 1
