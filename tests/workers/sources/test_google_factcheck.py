"""The Google Fact Check Tools source against a local server answering like claims:search.

The fixture follows the documented response: ``claims[]`` with ``text``, ``claimant``,
``claimDate`` and ``claimReview[]`` (``publisher.name``/``site``, ``url``, ``title``,
``reviewDate``, ``textualRating``, ``languageCode``), plus ``nextPageToken``; nothing found
is an empty object. Errors follow Google's ``{"error": {"code", "message", "status"}}``.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from shared.errors import ConfigurationError, PermanentSourceError, TransientSourceError
from shared.settings import Settings
from tests.conftest import SettingsFactory
from tests.local_http import Reply, Request, always
from tests.workers.sources.conftest import ServerFactory
from workers.components import sources_config
from workers.sources.google_factcheck import GoogleFactCheckSource, claim_similarity
from workers.sources.resilience import ResilientSource, SourcePolicy

API_KEY = "AIzaTEST-not-a-real-key-0123456789"

ANSWER: dict[str, Any] = {
    "claims": [
        {
            "text": "The 2017 APEC summit was held in Hanoi.",
            "claimant": "Viral post",
            "claimDate": "2017-11-09T00:00:00Z",
            "claimReview": [
                {
                    "publisher": {"name": "Example Check", "site": "examplecheck.org"},
                    "url": "https://examplecheck.org/2017/11/apec-hanoi",
                    "title": "No, the APEC summit was not in Hanoi",
                    "reviewDate": "2017-11-10T12:00:00Z",
                    "textualRating": "False",
                    "languageCode": "en",
                },
                {
                    "publisher": {"site": "verifica.example"},
                    "url": "https://verifica.example/apec",
                    "textualRating": "Misleading: it was in Da Nang",
                    "languageCode": "en",
                },
            ],
        },
        {
            "text": "APEC leaders met in Da Nang in November 2017.",
            "claimReview": [
                {
                    "publisher": {"name": "Truth Desk", "site": "truthdesk.example"},
                    "url": "https://truthdesk.example/apec-da-nang",
                    "title": "APEC in Da Nang",
                    "textualRating": "True",
                    "languageCode": "en",
                }
            ],
        },
        {"text": "A claim without reviews"},
        {"text": "A review without a URL", "claimReview": [{"textualRating": "False"}]},
    ],
    "nextPageToken": "CAo",
}

CLAIM = "The APEC summit of 2017 was held in Hanoi."


def google(request: Request) -> Reply:
    if request.headers.get("x-goog-api-key") != API_KEY:
        return Reply(
            status=400,
            json_body={
                "error": {
                    "code": 400,
                    "message": "API key not valid. Please pass a valid API key.",
                    "status": "INVALID_ARGUMENT",
                }
            },
        )
    if not request.query.get("query"):
        return Reply(status=400, json_body={"error": {"code": 400, "message": "query"}})
    return Reply(json_body=ANSWER)


def _source(client: httpx.Client, url: str, key: str = API_KEY) -> GoogleFactCheckSource:
    return GoogleFactCheckSource(
        client, url=url + "/v1alpha1/claims:search", api_key=SecretStr(key), language="en"
    )


def test_each_claim_review_becomes_a_passage(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    server = http_server(google)
    passages = _source(http_client, server.url).search(CLAIM, 10)

    (request,) = server.requests
    assert request.path == "/v1alpha1/claims:search"
    assert request.query == {"query": CLAIM, "pageSize": "10", "languageCode": "en"}
    assert request.headers["x-goog-api-key"] == API_KEY
    assert [p.url for p in passages] == [
        "https://examplecheck.org/2017/11/apec-hanoi",
        "https://verifica.example/apec",
        "https://truthdesk.example/apec-da-nang",
    ]
    first, second, third = passages
    assert first.source == "google_factcheck"
    assert first.publisher == "Example Check"
    assert first.title == "No, the APEC summit was not in Hanoi"
    assert first.published == "2017-11-10T12:00:00Z"
    assert first.rating == "False" and first.label == "refuted"
    assert first.text == (
        'Example Check rated the claim "The 2017 APEC summit was held in Hanoi." '
        '(made by Viral post) as "False".'
    )
    assert second.publisher == "verifica.example"  # no name: the site
    assert second.title == "The 2017 APEC summit was held in Hanoi."  # no title: the claim
    assert second.published == "2017-11-09T00:00:00Z"  # no review date: the claim's date
    assert second.rating == "Misleading: it was in Da Nang"
    assert third.label == "supported"
    assert len({p.doc_id for p in passages}) == 3
    assert first.score == second.score == 1.0  # the same claim, other words
    assert 0 < third.score < 0.5


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("The summit was held in Hanoi in 2017.", "In 2017 the summit was held in Hanoi.", 1.0),
        ("The summit was held in Hanoi in 2017.", "The summit was held in Hanoi in 2019.", 0.6),
        ("Tea is a drink.", "Unrelated words entirely.", 0.0),
        ("", "Anything", 0.0),
    ],
)
def test_claim_similarity(a: str, b: str, expected: float) -> None:
    assert claim_similarity(a, b) == pytest.approx(expected)


def test_limit_counts_reviews(http_server: ServerFactory, http_client: httpx.Client) -> None:
    server = http_server(google)
    passages = _source(http_client, server.url).search(CLAIM, 2)
    assert len(passages) == 2 and server.requests[0].query["pageSize"] == "2"


def test_nothing_found_is_an_empty_object(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    server = http_server(always(Reply(json_body={})))
    assert _source(http_client, server.url).search(CLAIM, 5) == []


def test_bad_key_is_permanent_and_the_key_is_never_shown(
    http_server: ServerFactory, http_client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    server = http_server(google)
    wrong = "AIzaWRONG-key-987654321"
    caplog.set_level(logging.DEBUG)
    source = ResilientSource(_source(http_client, server.url, key=wrong), SourcePolicy(timeout_s=2))
    with pytest.raises(PermanentSourceError, match="400") as caught:
        source.search(CLAIM, 5)
    assert wrong not in str(caught.value)
    assert wrong not in caplog.text
    assert len(server.requests) == 1  # permanent: not retried


def test_rate_limit_is_transient_with_retry_after(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    body = {"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}}
    server = http_server(always(Reply(status=429, json_body=body, headers={"Retry-After": "30"})))
    with pytest.raises(TransientSourceError, match="429") as caught:
        _source(http_client, server.url).search(CLAIM, 5)
    assert caught.value.retry_after == 30.0
    assert API_KEY not in str(caught.value)


def test_from_settings_needs_the_key(
    settings_factory: SettingsFactory, http_client: httpx.Client
) -> None:
    with pytest.raises(ConfigurationError, match="GOOGLE_FACTCHECK_API_KEY"):
        GoogleFactCheckSource.from_config(
            sources_config(settings_factory()).google_factcheck, http_client
        )
    settings: Settings = settings_factory(
        google_factcheck_api_key=API_KEY, google_factcheck_language=None
    )
    source = GoogleFactCheckSource.from_config(
        sources_config(settings).google_factcheck, http_client
    )
    assert source.language is None and API_KEY not in repr(vars(source))


def test_language_all_means_no_filter(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    server = http_server(google)
    source = GoogleFactCheckSource(
        http_client,
        url=server.url + "/v1alpha1/claims:search",
        api_key=SecretStr(API_KEY),
        language="all",
    )
    source.search(CLAIM, 3)
    assert "languageCode" not in server.requests[0].query
