"""The worker process's one HTTP client, and JSON requests that fail in the error hierarchy.

:func:`make_http_client` builds the :class:`httpx.Client` every HTTP source and the LLM
judge of a worker process share (connection pool, explicit timeouts and limits, our
User-Agent). :class:`JsonSource` is what the HTTP sources share: that client, their
endpoint, time budget and answer cap, and :meth:`JsonSource.get_object`, a GET whose answer
must be a JSON object. :func:`request_json` sends one request and returns the decoded JSON
body, or raises:

* :class:`TransientSourceError` for what may pass: a timeout (the whole answer must arrive
  within ``timeout_s``, however slowly it trickles), a refused or dropped connection,
  408, 429 and 5xx answers, with ``retry_after`` taken from a ``Retry-After`` header
  (seconds or an HTTP date);
* :class:`PermanentSourceError` for what will not: other 4xx answers, redirects (never
  followed: a redirect to another host would carry the API key headers; configure the
  final URL), a body larger than
  ``max_bytes`` (refused while streaming, before it is all read), malformed JSON.

Error messages never contain the request URL's query string, which may hold an API key.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from shared.backoff import parse_retry_after
from shared.errors import PermanentSourceError, TransientSourceError


class MalformedAnswerError(PermanentSourceError):
    """The body is not valid JSON (a broken or truncated answer)."""


_RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_MAX_CONNECTIONS = 20
_BODY_SNIPPET = 200


@dataclass(frozen=True)
class HttpClientConfig:
    """The worker's HTTP client: its default timeout and the User-Agent it sends."""

    timeout_s: float
    """The longest timeout any caller may need (each request passes its own)."""
    user_agent: str


def make_http_client(
    config: HttpClientConfig, *, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """One client per worker process; the caller closes it on shutdown.

    The client's default timeout is the longest any caller may need; each request passes
    its own (see :func:`request_json`).
    """
    longest = config.timeout_s
    return httpx.Client(
        timeout=httpx.Timeout(longest, connect=min(longest, 5.0)),
        limits=httpx.Limits(
            max_connections=_MAX_CONNECTIONS,
            max_keepalive_connections=_MAX_CONNECTIONS // 2,
            keepalive_expiry=30.0,
        ),
        headers={"User-Agent": config.user_agent, "Accept": "application/json"},
        follow_redirects=False,  # a redirect elsewhere would carry our API key headers
        transport=transport,
    )


def request_json(
    client: httpx.Client,
    source: str,
    method: str,
    url: str,
    *,
    timeout_s: float,
    max_bytes: int,
    params: Mapping[str, str | int] | None = None,
    headers: Mapping[str, str] | None = None,
    json_body: Any = None,
) -> Any:
    """Send one request and return its decoded JSON body (see the module doc for errors)."""
    deadline = time.monotonic() + timeout_s
    request = client.build_request(
        method,
        url,
        params=params,
        headers=headers,
        json=json_body,
        timeout=httpx.Timeout(timeout_s),
    )
    where = f"{request.url.host}{request.url.path}"
    try:
        response = client.send(request, stream=True)
    except httpx.TimeoutException:
        raise TransientSourceError(
            source, f"no answer from {where} within {timeout_s:.2g}s"
        ) from None
    except httpx.RequestError as exc:  # transport failures, and bodies that fail to decode
        raise TransientSourceError(
            source, f"cannot reach {where}: {type(exc).__name__}: {exc}"
        ) from None
    try:
        body = _read_limited(response, source, where, deadline, timeout_s, max_bytes)
    finally:
        response.close()
    status = response.status_code
    if status in _RETRYABLE_STATUS:
        raise TransientSourceError(
            source,
            f"{where} answered {status}{_snippet(body)}",
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if status >= 300:
        moved = f" (Location: {response.headers.get('Location', '?')})" if status < 400 else ""
        raise PermanentSourceError(source, f"{where} answered {status}{moved}{_snippet(body)}")
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedAnswerError(source, f"{where} answered malformed JSON: {exc}") from None


class JsonSource:
    """An HTTP source's common part: the worker's shared client (its owner closes it), one
    endpoint, the time a search may take and the largest answer it reads.

    Subclasses set ``name`` and search through :meth:`get_object`.
    """

    name: str

    def __init__(self, client: httpx.Client, *, url: str, timeout_s: float, max_bytes: int) -> None:
        self.client = client
        self.url = url
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes

    def close(self) -> None:
        """Nothing to release: the HTTP client belongs to whoever passed it in."""

    def get_object(
        self,
        params: Mapping[str, str | int],
        *,
        timeout_s: float,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """GET the endpoint; an answer that is not a JSON object is a permanent error."""
        body = request_json(
            self.client,
            self.name,
            "GET",
            self.url,
            params=params,
            headers=headers,
            timeout_s=timeout_s,
            max_bytes=self.max_bytes,
        )
        if not isinstance(body, dict):
            raise PermanentSourceError(self.name, "answer is not a JSON object")
        return body


def _read_limited(
    response: httpx.Response,
    source: str,
    where: str,
    deadline: float,
    timeout_s: float,
    max_bytes: int,
) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise PermanentSourceError(
            source, f"{where} answered {declared} bytes, more than the limit of {max_bytes}"
        )
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise PermanentSourceError(
                    source, f"{where} answered more than the limit of {max_bytes} bytes"
                )
            if time.monotonic() > deadline:
                raise TransientSourceError(
                    source, f"answer from {where} not complete within {timeout_s:.2g}s"
                )
            chunks.append(chunk)
    except httpx.TimeoutException:
        raise TransientSourceError(
            source, f"answer from {where} not complete within {timeout_s:.2g}s"
        ) from None
    except httpx.RequestError as exc:  # transport failures, and bodies that fail to decode
        raise TransientSourceError(
            source, f"connection to {where} broke: {type(exc).__name__}"
        ) from None
    return b"".join(chunks)


def _snippet(body: bytes) -> str:
    text = body[:_BODY_SNIPPET].decode("utf-8", "replace").strip()
    return f": {text}" if text else ""
