"""A reference source that is down never loses a claim (real worker and intake processes).

Wikipedia is switched on next to the knowledge base and pointed at a closed port (nothing
listens), at a server that answers too slowly, or at a working local MediaWiki. Each
submitted claim must get exactly one verdict; a failure must be listed in
``sources_failed``. (Latency is measured by ``make bench-sources``, not asserted here.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from cli.processes import free_port
from shared.schemas import Verdict
from tests.e2e.conftest import StackFactory
from tests.local_http import Reply, Request, ServerFactory, always, http_server_factory

pytestmark = pytest.mark.e2e

CLAIMS = [
    "UN Security Council resolution 2254 was adopted unanimously in December 2015.",
    "The APEC summit of 2017 was held in Da Nang, Vietnam.",
    "Dmitry Peskov is the press secretary of the Russian president.",
]


@pytest.fixture
def http_server() -> Iterator[ServerFactory]:
    yield from http_server_factory()


def _submit_and_wait(
    stack_factory: StackFactory, wikipedia_url: str, **overrides: object
) -> list[Verdict]:
    stack = stack_factory(
        sources=["knowledge_base", "wikipedia"],
        wikipedia_url=wikipedia_url,
        stance_scorer="lexical",
        **overrides,
    )
    stack.start_worker(concurrency=1)
    stack.start_intake()
    with stack.http() as http:
        ids = set()
        for text in CLAIMS:
            response = http.post("/v1/claims", json={"text": text})
            assert response.status_code == 202
            ids.add(response.json()["claim_id"])
        entries = stack.wait_for_verdicts(ids, timeout=90)
        statuses = [http.get(f"/v1/claims/{claim_id}").json() for claim_id in ids]
    stack.wait_queue_empty()
    entries = stack.verdicts_for(ids)  # again: nothing published twice meanwhile
    assert Counter(e.data["claim_id"] for e in entries) == dict.fromkeys(ids, 1)
    assert all(s["status"] == "done" and s["verdict"] for s in statuses)
    return [e.verdict() for e in entries]


def test_wikipedia_refusing_connections(stack_factory: StackFactory) -> None:
    verdicts = _submit_and_wait(stack_factory, f"http://127.0.0.1:{free_port()}/w/api.php")
    for verdict in verdicts:
        assert [f.source for f in verdict.sources_failed] == ["wikipedia"]
        reason = verdict.sources_failed[0].reason
        assert "cannot reach" in reason or "circuit open" in reason
        assert verdict.needs_review and verdict.reason and "wikipedia" in verdict.reason
    # the knowledge base still decided the claims it knows
    assert any(v.label == "supported" and v.evidence for v in verdicts)
    assert all(e.source == "knowledge_base" for v in verdicts for e in v.evidence)


def test_wikipedia_answering_too_slowly(
    stack_factory: StackFactory, http_server: ServerFactory
) -> None:
    server = http_server(always(Reply(json_body={}, delay_s=30)))
    verdicts = _submit_and_wait(stack_factory, server.url + "/w/api.php", wikipedia_timeout_s=1.0)
    for verdict in verdicts:
        assert [f.source for f in verdict.sources_failed] == ["wikipedia"]
        assert "within 1s" in verdict.sources_failed[0].reason


def _mediawiki(request: Request) -> Reply:
    q = request.query
    if q.get("list") == "search":
        hit = {"ns": 0, "title": "Da Nang", "pageid": 77, "timestamp": "2026-11-01T00:00:00Z"}
        return Reply(json_body={"query": {"search": [hit]}})
    page = {
        "pageid": 77,
        "title": "Da Nang",
        "extract": "The APEC summit of 2017 was held in Da Nang, Vietnam, in November.",
        "fullurl": "https://en.wikipedia.org/wiki/Da_Nang",
    }
    return Reply(json_body={"query": {"pages": [page]}})


def test_working_wikipedia_gives_evidence(
    stack_factory: StackFactory, http_server: ServerFactory
) -> None:
    server = http_server(_mediawiki)
    verdicts = _submit_and_wait(stack_factory, server.url + "/w/api.php")
    assert all(v.sources_failed == [] for v in verdicts)
    wiki = [e for v in verdicts for e in v.evidence if e.source == "wikipedia"]
    assert wiki and wiki[0].url == "https://en.wikipedia.org/wiki/Da_Nang"
    assert wiki[0].publisher == "Wikipedia"
    searches = [r for r in server.requests if r.query.get("list") == "search"]
    assert len(searches) == len(CLAIMS)
