"""The LLM judge in a real worker, against a local OpenAI-compatible server."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import StackFactory
from tests.local_http import Reply, Request, ServerFactory, http_server_factory

pytestmark = pytest.mark.e2e

SUPPORTED_BY_KB = "UN Security Council resolution 2254 was adopted unanimously in December 2015."
CONFUSES_THE_JUDGE = "The APEC summit of 2017 was held in Da Nang, Vietnam."


@pytest.fixture
def http_server() -> Iterator[ServerFactory]:
    yield from http_server_factory()


def chat_completions(request: Request) -> Reply:
    """Refutes everything, except that it answers prose (not JSON) about APEC."""
    question = request.json()["messages"][1]["content"]
    if "APEC" in question:
        content = "I believe this is accurate."
    else:
        content = json.dumps({"stance": "refuted", "justification": "Evidence [1] disagrees."})
    return Reply(
        json_body={
            "id": "chatcmpl-e2e",
            "object": "chat.completion",
            "model": "tiny",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
        }
    )


def test_judge_opinions_and_failures_reach_the_stream(
    stack_factory: StackFactory, http_server: ServerFactory
) -> None:
    llm = http_server(chat_completions)
    stack = stack_factory(
        stance_scorer="lexical",
        llm_judge_url=llm.url + "/v1",
        llm_judge_model="tiny",
        llm_judge_retries=1,
    )
    stack.start_worker(concurrency=1)
    stack.start_intake()
    with stack.http() as http:
        ids = {}
        for text in (SUPPORTED_BY_KB, CONFUSES_THE_JUDGE):
            response = http.post("/v1/claims", json={"text": text})
            assert response.status_code == 202
            ids[text] = response.json()["claim_id"]
        entries = stack.wait_for_verdicts(set(ids.values()), timeout=90)
    verdicts = {e.data["claim_id"]: e.verdict() for e in entries}
    assert len(verdicts) == 2

    disagreed = verdicts[ids[SUPPORTED_BY_KB]]
    assert disagreed.label == "supported"  # the judge never sets the label
    assert disagreed.judge is not None and disagreed.judge.model == "tiny"
    assert disagreed.judge.stance == "refuted" and disagreed.judge.agrees is False
    assert disagreed.needs_review

    failed = verdicts[ids[CONFUSES_THE_JUDGE]]
    assert failed.judge is not None and failed.judge.stance is None
    assert failed.judge.error is not None and "content is not JSON" in failed.judge.error
    asked = [r for r in llm.requests if "APEC" in r.json()["messages"][1]["content"]]
    assert len(asked) == 2  # tried, retried once, then given up
