"""``claimcheck serve``'s uvicorn settings, on a real server: request heads are bounded (an
overlong one is answered with a JSON 431 however it arrives), and
the trailing-slash redirect never names the client's ``Host``."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from cli.processes import free_port
from services.intake.api import server
from services.intake.api.app import create_app
from services.intake.api.headers import MAX_HEADER_BYTES
from services.intake.extraction import ClaimExtractor
from tests.conftest import SettingsFactory
from tests.services.intake.conftest import Intake


@pytest.fixture
def port(settings_factory: SettingsFactory, rules_extractor: ClaimExtractor) -> Iterator[int]:
    """A free port with the intake on it, run as ``run_server`` runs it."""
    settings = settings_factory(host="127.0.0.1", port=free_port(), log_level="WARNING")
    app = create_app(settings, extractor=rules_extractor)
    uvicorn_server = server._Server(server.server_config(app, settings))
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uvicorn_server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield settings.port
    uvicorn_server.should_exit = True
    thread.join(timeout=15)


def _exchange(port: int, head: bytes) -> bytes:
    """Send a raw request head; all the server answers until it closes (the server may
    cut the connection while the head is still being sent: then b"")."""
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(head)
            while chunk := sock.recv(65536):
                received += chunk
        except (BrokenPipeError, ConnectionResetError):
            pass
    return received


def _head(header_bytes: int) -> bytes:
    filler = b"a" * header_bytes
    return b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " + filler + b"\r\n\r\n"


def test_a_request_head_over_the_limit_gets_a_json_431(port: int) -> None:
    answer = _exchange(port, _head(MAX_HEADER_BYTES + 16 * 1024))
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
    assert b"content-type: application/json" in answer.lower()
    assert b'"error":"request_header_fields_too_large"' in answer


def test_a_head_still_incomplete_past_the_limit_gets_the_same_json_431(port: int) -> None:
    # a long head that arrives over several reads is cut by h11 while still incomplete;
    # uvicorn answered that with a plain-text 400. One byte over the limit, never ended: h11
    # gives up only once it has read all of it (so no unread byte turns the close into a reset)
    unfinished = _head(MAX_HEADER_BYTES)[: MAX_HEADER_BYTES + 1]
    answer = _exchange(port, unfinished)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower()
    assert b"connection: close" in head.lower()
    assert json.loads(body) == {
        "error": "request_header_fields_too_large",
        "message": f"the request line and headers exceed {MAX_HEADER_BYTES // 1024} KiB",
        "field": None,
    }


def test_a_huge_request_head_is_cut_before_it_is_read_whole(port: int) -> None:
    answer = _exchange(port, _head(8 * 1024 * 1024))
    assert not answer.startswith(b"HTTP/1.1 200"), answer[:200]
    if answer:
        assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
        assert http.get("/healthz").status_code == 200  # the server goes on serving


def test_a_large_head_within_the_limit_is_served(port: int) -> None:
    answer = _exchange(port, _head(MAX_HEADER_BYTES // 2))
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]


@pytest.mark.parametrize(
    ("path", "location"),
    [("/v1/articles/", "/v1/articles"), ("/v1/claims/?x=1", "/v1/claims?x=1")],
)
def test_the_trailing_slash_redirect_is_relative(port: int, path: str, location: str) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
        answer = http.get(path, headers={"Host": "evil.example"})
    assert answer.status_code == 307
    assert answer.headers["Location"] == location


def test_no_redirect_names_the_host(intake: Intake) -> None:
    for path in ("/v1/articles/", "/dashboard/", "//evil.example/", "/v1/stream/"):
        answer = intake.api.get(path, headers={"Host": "evil.example"})
        assert "evil.example" not in answer.headers.get("Location", ""), path
        assert answer.headers.get("Location", "/").startswith("/"), path
        assert not answer.headers.get("Location", "/").startswith("//"), path
