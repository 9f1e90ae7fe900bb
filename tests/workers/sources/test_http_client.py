"""request_json against a real local server: every way an HTTP answer can go wrong."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from cli.processes import free_port
from shared.errors import PermanentSourceError, TransientSourceError
from shared.settings import Settings
from tests.local_http import Reply, always
from tests.workers.sources.conftest import ServerFactory
from workers.components import http_client_config
from workers.sources.http_client import (
    MalformedAnswerError,
    make_http_client,
    request_json,
)

LIMIT = 10_000


def _get(client: httpx.Client, url: str, timeout_s: float = 2.0) -> object:
    return request_json(client, "test", "GET", url, timeout_s=timeout_s, max_bytes=LIMIT)


def test_json_answer_with_params_and_user_agent(
    http_server: ServerFactory, http_client: httpx.Client, source_settings: Settings
) -> None:
    server = http_server(always(Reply(json_body={"ok": [1, 2]})))
    body = request_json(
        http_client,
        "test",
        "GET",
        server.url + "/api",
        params={"q": "a b", "n": 3},
        timeout_s=2,
        max_bytes=LIMIT,
    )
    assert body == {"ok": [1, 2]}
    (request,) = server.requests
    assert request.path == "/api" and request.query == {"q": "a b", "n": "3"}
    assert request.headers["user-agent"] == source_settings.source_user_agent


def test_slow_answer_past_the_timeout_is_transient(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    server = http_server(always(Reply(json_body={}, delay_s=5)))
    started = time.monotonic()
    with pytest.raises(TransientSourceError, match=r"within 0\.3s"):
        _get(http_client, server.url, timeout_s=0.3)
    assert time.monotonic() - started < 4  # the server would have answered after 5 s


def test_trickling_body_is_cut_at_the_deadline(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    server = http_server(always(Reply(body=b'{"a": "' + b"x" * 100 + b'"}', trickle_s=0.1)))
    with pytest.raises(TransientSourceError, match="not complete within"):
        _get(http_client, server.url, timeout_s=0.35)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_busy_and_server_errors_are_transient(
    status: int, http_server: ServerFactory, http_client: httpx.Client
) -> None:
    server = http_server(always(Reply(status=status, json_body={"error": "busy"})))
    with pytest.raises(TransientSourceError, match=str(status)) as caught:
        _get(http_client, server.url)
    assert caught.value.retry_after is None


def test_429_carries_retry_after_seconds(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    server = http_server(always(Reply(status=429, headers={"Retry-After": "7"})))
    with pytest.raises(TransientSourceError) as caught:
        _get(http_client, server.url)
    assert caught.value.retry_after == 7.0


def test_503_carries_retry_after_date(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    reply = Reply(status=503, headers={"Retry-After": format_datetime(when, usegmt=True)})
    server = http_server(always(reply))
    with pytest.raises(TransientSourceError) as caught:
        _get(http_client, server.url)
    assert caught.value.retry_after is not None and 25 <= caught.value.retry_after <= 31


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_permanent(
    status: int, http_server: ServerFactory, http_client: httpx.Client
) -> None:
    server = http_server(always(Reply(status=status, json_body={"error": "no"})))
    with pytest.raises(PermanentSourceError, match=str(status)):
        _get(http_client, server.url)


def test_connection_refused_is_transient(http_client: httpx.Client) -> None:
    with pytest.raises(TransientSourceError, match="cannot reach"):
        _get(http_client, f"http://127.0.0.1:{free_port()}/api.php")


def test_malformed_json_is_permanent(http_server: ServerFactory, http_client: httpx.Client) -> None:
    server = http_server(always(Reply(body=b'{"query": {"search": [')))
    with pytest.raises(MalformedAnswerError, match="malformed JSON"):
        _get(http_client, server.url)


def test_declared_oversized_body_is_refused(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    server = http_server(always(Reply(body=b"[" + b"1," * LIMIT + b"1]")))
    with pytest.raises(PermanentSourceError, match="more than the limit"):
        _get(http_client, server.url)


def test_undeclared_oversized_body_is_refused_while_streaming(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    server = http_server(always(Reply(body=b"[" + b"1," * LIMIT + b"1]", send_length=False)))
    with pytest.raises(PermanentSourceError, match=f"more than the limit of {LIMIT} bytes"):
        _get(http_client, server.url)


def test_error_messages_leave_out_the_query_string(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    server = http_server(always(Reply(status=403, body=b"forbidden")))
    with pytest.raises(PermanentSourceError) as caught:
        request_json(
            http_client,
            "test",
            "GET",
            server.url + "/v1/claims:search",
            params={"key": "SECRET-KEY-123"},
            timeout_s=2,
            max_bytes=LIMIT,
        )
    assert "SECRET-KEY-123" not in str(caught.value)
    assert "/v1/claims:search" in str(caught.value)


def test_client_uses_the_given_transport(source_settings: Settings) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"via": "mock"}))
    with make_http_client(http_client_config(source_settings), transport=transport) as client:
        assert _get(client, "http://example.invalid/") == {"via": "mock"}


def test_redirects_are_not_followed(http_server: ServerFactory, http_client: httpx.Client) -> None:
    target = http_server(always(Reply(json_body={"followed": True})))
    server = http_server(always(Reply(status=301, headers={"Location": target.url + "/x"})))
    with pytest.raises(PermanentSourceError, match=r"301 \(Location: http://127\.0\.0\.1"):
        _get(http_client, server.url)
    assert target.requests == []


def test_a_body_that_fails_to_decompress_is_a_source_error(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    # httpx raises DecodingError (not a TransportError): it must not escape the hierarchy
    server = http_server(
        always(Reply(body=b"this is not gzip", headers={"Content-Encoding": "gzip"}))
    )
    with pytest.raises(TransientSourceError, match="DecodingError"):
        _get(http_client, server.url + "/api")
