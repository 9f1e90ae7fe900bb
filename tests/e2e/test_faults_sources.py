"""A reference source that hangs, fails every call or answers garbage: every claim still
gets exactly one verdict, naming the source that failed; the circuit opens and recovers.

The Wikipedia source talks to a real HTTP server on 127.0.0.1 that this test starts and
steers; it answers in the MediaWiki Action API's ``formatversion=2`` shapes when healthy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from shared.schemas import Verdict
from tests.e2e.conftest import Stack, StackFactory
from tests.e2e.faults import assert_one_verdict_each, claim_texts, private_stack, submit_claims
from tests.e2e.redis_server import PrivateRedisFactory
from tests.local_http import LocalHttpServer, Reply, Request, ServerFactory, http_server_factory

pytestmark = pytest.mark.e2e

EXTRACT = "APEC Vietnam 2017 was a series of meetings held in Da Nang, Vietnam, in November 2017."


class Wiki:
    """A MediaWiki stand-in whose behaviour the test switches: ok, hang, fail, garbage."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.lock = threading.Lock()
        self.calls = 0

    def __call__(self, request: Request) -> Reply:
        with self.lock:
            self.calls += 1
            mode = self.mode
        if mode == "hang":
            return Reply(delay_s=10.0, json_body={})
        if mode == "fail":
            return Reply(status=500, body=b"<html>Internal Server Error</html>")
        if mode == "garbage":
            return Reply(body=b"\x00\xffnot json at all{{", headers={"Content-Type": "text/html"})
        if request.query.get("list") == "search":
            hits = [
                {
                    "ns": 0,
                    "title": "APEC Vietnam 2017",
                    "pageid": 7,
                    "timestamp": "2024-01-01T00:00:00Z",
                }
            ]
            return Reply(json_body={"batchcomplete": True, "query": {"search": hits}})
        page = {
            "pageid": 7,
            "ns": 0,
            "title": "APEC Vietnam 2017",
            "extract": EXTRACT,
            "fullurl": "https://en.wikipedia.org/wiki/APEC_Vietnam_2017",
        }
        return Reply(json_body={"batchcomplete": True, "query": {"pages": [page]}})

    def set(self, mode: str) -> None:
        with self.lock:
            self.mode = mode


@pytest.fixture
def http_server() -> Iterator[ServerFactory]:
    yield from http_server_factory()


def _stack(
    stack_factory: StackFactory,
    private_redis_factory: PrivateRedisFactory,
    server: LocalHttpServer,
    **overrides: Any,
) -> Stack:
    stack = private_stack(
        stack_factory,
        private_redis_factory(appendonly=False),
        sources=["knowledge_base", "wikipedia"],
        wikipedia_url=f"{server.url}/w/api.php",
        wikipedia_timeout_s=0.5,
        source_retries=0,
        source_cache_ttl_s=0,
        **overrides,
    )
    stack.start_intake()
    stack.start_worker("w1", concurrency=1)  # one pool process: one circuit breaker
    return stack


def _verdicts(stack: Stack, claim_ids: set[str]) -> dict[str, Verdict]:
    return {
        e.data["claim_id"]: Verdict.model_validate(e.data) for e in stack.verdicts_for(claim_ids)
    }


def _check(stack: Stack, texts: list[str]) -> dict[str, Verdict]:
    with stack.http() as http:
        accepted = submit_claims(http, texts)
    stack.wait_for_verdicts(set(accepted), timeout=60)
    assert_one_verdict_each(stack, set(accepted))
    return _verdicts(stack, set(accepted))


def _wikipedia_failure(verdict: Verdict) -> str | None:
    return next((f.reason for f in verdict.sources_failed if f.source == "wikipedia"), None)


def test_source_hanging_or_answering_garbage_still_gives_one_verdict_each(
    stack_factory: StackFactory,
    private_redis_factory: PrivateRedisFactory,
    http_server: ServerFactory,
) -> None:
    wiki = Wiki()
    stack = _stack(stack_factory, private_redis_factory, http_server(wiki), circuit_failures=50)

    healthy = _check(stack, claim_texts(2, "healthy"))
    assert all(_wikipedia_failure(v) is None for v in healthy.values())
    assert wiki.calls >= 2

    wiki.set("hang")
    started = time.monotonic()
    hanging = _check(stack, claim_texts(3, "hang"))
    assert time.monotonic() - started < 30  # a 0.5 s budget per search, not 10 s per hang
    for verdict in hanging.values():
        reason = _wikipedia_failure(verdict)
        assert reason is not None and "0.5" in reason, verdict.sources_failed
        assert not verdict.failed  # the knowledge base still decided it

    wiki.set("garbage")
    garbage = _check(stack, claim_texts(3, "garbage"))
    for verdict in garbage.values():
        assert _wikipedia_failure(verdict) is not None, verdict.sources_failed
        assert not verdict.failed


def test_failing_source_opens_its_circuit_then_half_opens_and_recovers(
    stack_factory: StackFactory,
    private_redis_factory: PrivateRedisFactory,
    http_server: ServerFactory,
) -> None:
    wiki = Wiki()
    wiki.set("fail")
    stack = _stack(
        stack_factory,
        private_redis_factory,
        http_server(wiki),
        circuit_failures=3,
        circuit_reset_s=3.0,
    )
    failing = _check(stack, claim_texts(3, "fail"))
    assert all(_wikipedia_failure(v) for v in failing.values())
    calls_when_open = wiki.calls

    # open: the next claims fail fast without calling the source
    fast = _check(stack, claim_texts(3, "open"))
    assert wiki.calls == calls_when_open
    assert all("circuit open" in (_wikipedia_failure(v) or "") for v in fast.values())

    # half-open after the reset time: one trial call, which succeeds and closes the circuit
    wiki.set("ok")
    time.sleep(3.5)
    recovered = _check(stack, claim_texts(3, "recovered"))
    assert all(_wikipedia_failure(v) is None for v in recovered.values())
    assert wiki.calls > calls_when_open
    log = (stack.group.log_dir / "w1.log").read_text(errors="replace")
    assert "circuit open" in log and "circuit closed" in log
