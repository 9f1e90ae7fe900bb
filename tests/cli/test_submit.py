"""``claimcheck submit``: its request, one-line errors, and waiting through a restart."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cli import submit as submit_module
from cli.main import main
from cli.submit import IntakeUnavailableError, wait_for_verdicts
from tests.local_http import Reply, Request, ServerFactory

ACCEPTED = {"article_id": "art_1", "claims": [{"claim_id": "clm_1"}]}
VERDICT = {"claim_id": "clm_1", "claim": "Da Nang hosted APEC.", "label": "supported"}
DONE = {
    "article_id": "art_1",
    "completed": True,
    "claims": [{"claim_id": "clm_1", "verdict": {**VERDICT, "confidence": 0.9}}],
    "counts": {"supported": 1},
}
Handler = Callable[[httpx.Request], httpx.Response]


def _client(handler: Handler) -> httpx.Client:
    return httpx.Client(base_url="http://intake.test", transport=httpx.MockTransport(handler))


@pytest.fixture
def intake(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[httpx.Request]]:
    """``submit`` talks to a stand-in intake; the requests it sent are listed."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "POST":
            return httpx.Response(202, json=ACCEPTED)
        return httpx.Response(200, json=DONE)

    monkeypatch.setattr(submit_module, "make_client", lambda url, key: _client(handler))
    yield seen


def test_a_missing_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["submit", str(tmp_path / "nope.txt")]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line == f"claimcheck: cannot read {tmp_path / 'nope.txt'}: No such file or directory"


def test_published_at_is_sent_as_iso_8601(
    tmp_path: Path, intake: list[httpx.Request], capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Da Nang hosted APEC yesterday.", encoding="utf-8")
    assert main(["submit", str(article), "--published-at", "2017-11-11T09:30:00Z"]) == 0
    assert main(["submit", str(article), "--published-at", "2017-11-11"]) == 0
    bodies = [json.loads(r.content) for r in intake]
    assert [b["published_at"] for b in bodies] == [
        "2017-11-11T09:30:00+00:00",
        "2017-11-11T00:00:00",
    ]
    assert "1 claims queued" in capsys.readouterr().out


def test_a_bad_published_at_is_refused_before_sending(
    tmp_path: Path, intake: list[httpx.Request], capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Da Nang hosted APEC.", encoding="utf-8")
    assert main(["submit", str(article), "--published-at", "last tuesday"]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert "--published-at: not an ISO date or datetime: 'last tuesday'" in line
    assert intake == []


def test_waiting_rides_out_an_intake_restart(capsys: pytest.CaptureFixture[str]) -> None:
    answers: list[Any] = [
        httpx.ConnectError("connection refused"),
        httpx.Response(503, json={"detail": "shutting down"}),
        httpx.ConnectError("connection refused"),
        httpx.Response(200, json=DONE),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, httpx.Response)
        return answer

    shown: list[dict[str, Any]] = []
    with _client(handler) as client:
        final = wait_for_verdicts(client, "art_1", shown.append, timeout=30, poll_interval=0.01)
    assert final == DONE and [v["claim_id"] for v in shown] == ["clm_1"]
    (line,) = capsys.readouterr().err.splitlines()  # said once, not once per retry
    assert "intake not answering" in line and "retrying" in line


def test_waiting_gives_up_on_an_intake_gone_for_good() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    with (
        _client(handler) as client,
        pytest.raises(IntakeUnavailableError, match="has not answered for") as caught,
    ):
        wait_for_verdicts(
            client, "art_1", lambda v: None, timeout=30, poll_interval=0.01, give_up_after=0.1
        )
    assert "claimcheck watch --article art_1" in str(caught.value)


def test_an_answer_retrying_cannot_change_ends_the_wait_at_once() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(404, json={"detail": "no such article"})

    with _client(handler) as client, pytest.raises(IntakeUnavailableError, match="HTTP 404"):
        wait_for_verdicts(client, "art_1", lambda v: None, timeout=30, poll_interval=0.01)
    assert len(calls) == 1


def test_wait_through_the_command_prints_one_line_when_the_intake_stays_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(202, json=ACCEPTED)
        raise httpx.ConnectError("connection refused")

    monkeypatch.setattr(submit_module, "make_client", lambda url, key: _client(handler))
    monkeypatch.setattr(submit_module, "MAX_BACKOFF_S", 0.01)
    waiting = submit_module.wait_for_verdicts

    def quick(*args: Any, **kwargs: Any) -> Any:
        return waiting(*args, **{**kwargs, "poll_interval": 0.01, "give_up_after": 0.1})

    monkeypatch.setattr(submit_module, "wait_for_verdicts", quick)
    article = tmp_path / "a.txt"
    article.write_text("Da Nang hosted APEC.", encoding="utf-8")
    assert main(["submit", str(article), "--wait"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and "retrying" in err[0]
    assert err[1].startswith("claimcheck: the intake at http://intake.test has not answered")


def test_submit_asks_a_starting_intake_again_under_one_idempotency_key(
    http_server: ServerFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    starting = [Reply(503, {"detail": "starting"}), Reply(503, {"detail": "starting"})]

    def intake(request: Request) -> Reply:
        return starting.pop(0) if starting else Reply(202, ACCEPTED)

    server = http_server(intake)
    article = tmp_path / "a.txt"
    article.write_text("Da Nang hosted APEC.", encoding="utf-8")
    assert main(["submit", str(article), "--api-url", server.url, "--api-key", "k" * 32]) == 0
    posts = [r for r in server.requests if r.method == "POST"]
    assert len(posts) == 3
    assert len({r.headers["idempotency-key"] for r in posts}) == 1
    out, err = capsys.readouterr()
    assert "claims queued" in out and err.count("waiting for") == 1


def test_submit_gives_up_on_an_intake_that_never_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.processes import free_port

    article = tmp_path / "a.txt"
    article.write_text("Da Nang hosted APEC.", encoding="utf-8")
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["submit", str(article), "--api-url", url, "--start-wait", "0.5"]) == 1
    assert "cannot reach" in capsys.readouterr().err
