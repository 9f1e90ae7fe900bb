"""What both HTTP sources refuse alike: answers of an unexpected shape and malformed JSON.

Each case runs against the source it was written for (Google Fact Check Tools and
Wikipedia), on a local server that always gives the same answer; both are permanent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from shared.errors import PermanentSourceError
from tests.local_http import Reply, always
from tests.workers.sources.conftest import ServerFactory
from workers.sources.base import Source
from workers.sources.google_factcheck import GoogleFactCheckSource
from workers.sources.wikipedia import WikipediaSource

CLAIM = "The APEC summit of 2017 was held in Hanoi."

SOURCES: dict[str, Callable[[httpx.Client, str], Source]] = {
    "google_factcheck": lambda client, url: GoogleFactCheckSource(
        client, url=url + "/v1alpha1/claims:search", api_key=SecretStr("AIzaTEST-key")
    ),
    "wikipedia": lambda client, url: WikipediaSource(client, url=url + "/w/api.php"),
}


@pytest.mark.parametrize(
    ("source", "body"),
    [
        ("google_factcheck", {"claims": {"text": "x"}}),
        ("google_factcheck", ["claims"]),
        ("wikipedia", {"batchcomplete": True}),
        ("wikipedia", {"query": {"search": "APEC"}}),
        ("wikipedia", ["not", "an", "object"]),
    ],
)
def test_unexpected_shapes_are_permanent(
    source: str, body: Any, http_server: ServerFactory, http_client: httpx.Client
) -> None:
    server = http_server(always(Reply(json_body=body)))
    with pytest.raises(PermanentSourceError):
        SOURCES[source](http_client, server.url).search(CLAIM, 5)


@pytest.mark.parametrize(
    ("source", "body"),
    [
        ("google_factcheck", b'{"claims": [{"text": "cut'),
        ("wikipedia", b"<html>Wikimedia Error</html>"),
    ],
)
def test_malformed_json_is_permanent(
    source: str, body: bytes, http_server: ServerFactory, http_client: httpx.Client
) -> None:
    server = http_server(always(Reply(body=body)))
    with pytest.raises(PermanentSourceError, match="malformed JSON"):
        SOURCES[source](http_client, server.url).search(CLAIM, 5)
