"""The Wikipedia source against a local server that answers like the MediaWiki Action API.

Fixtures follow the documented ``formatversion=2`` shapes: ``list=search`` answers
``query.search[]`` (``ns``, ``title``, ``pageid``, ``timestamp``), ``prop=extracts|info``
answers ``query.pages[]`` (``pageid``, ``title``, ``extract``, ``fullurl`` ...), and
errors come as ``{"error": {"code", "info"}}`` with status 200.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest

from cli.processes import free_port
from shared.errors import PermanentSourceError, TransientSourceError
from tests.local_http import Reply, Request, always, in_turn
from tests.workers.sources.conftest import ServerFactory
from workers.resilience.breaker import CircuitOpenError
from workers.sources.resilience import ResilientSource, SourcePolicy
from workers.sources.wikipedia import WikipediaSource, fallback_terms, search_terms

PAGES: dict[int, dict[str, Any]] = {
    5001: {
        "title": "APEC Vietnam 2017",
        "extract": "APEC Vietnam 2017 was a year-long hosting of APEC meetings. "
        "The leaders' meeting was held in Da Nang on 10 and 11 November 2017.",
        "timestamp": "2026-09-14T08:21:05Z",
    },
    5002: {
        "title": "Da Nang",
        "extract": "Da Nang is a city on the central coast of Vietnam.",
        "timestamp": "2026-11-02T17:45:00Z",
    },
    5003: {
        "title": "Asia-Pacific Economic Cooperation",
        "extract": "",  # a page without a lead section gives no passage
        "timestamp": "2026-11-20T10:00:00Z",
    },
}


def mediawiki(request: Request) -> Reply:
    """A small MediaWiki: search returns every page, extracts returns those asked for."""
    q = request.query
    if q.get("action") != "query" or q.get("format") != "json":
        return Reply(json_body={"error": {"code": "badvalue", "info": "bad request"}})
    if q.get("list") == "search":
        limit = int(q.get("srlimit", "10"))
        hits = [
            {"ns": 0, "title": page["title"], "pageid": pageid, "timestamp": page["timestamp"]}
            for pageid, page in PAGES.items()
        ][:limit]
        return Reply(
            json_body={
                "batchcomplete": True,
                "continue": {"sroffset": limit, "continue": "-||"},
                "query": {"searchinfo": {"totalhits": len(PAGES)}, "search": hits},
            }
        )
    if q.get("prop") == "extracts|info":
        ids = [int(i) for i in q["pageids"].split("|")]
        pages = [
            {
                "pageid": pageid,
                "ns": 0,
                "title": PAGES[pageid]["title"],
                "extract": PAGES[pageid]["extract"],
                "contentmodel": "wikitext",
                "pagelanguage": "en",
                "touched": "2026-11-26T00:00:00Z",
                "lastrevid": 1200000 + pageid,
                "length": 4321,
                "fullurl": "https://en.wikipedia.org/wiki/"
                + PAGES[pageid]["title"].replace(" ", "_"),
                "canonicalurl": "https://en.wikipedia.org/wiki/"
                + PAGES[pageid]["title"].replace(" ", "_"),
            }
            for pageid in reversed(ids)  # the API does not keep the order asked for
        ]
        return Reply(json_body={"batchcomplete": True, "query": {"pages": pages}})
    return Reply(json_body={"error": {"code": "unknown_action", "info": "?"}})


def _source(client: httpx.Client, url: str, **kwargs: Any) -> WikipediaSource:
    return WikipediaSource(client, url=url + "/w/api.php", **kwargs)


CLAIM = "The APEC leaders' meeting of 2017 was held in Da Nang, Vietnam."


def test_search_then_extracts_of_the_best_pages(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    server = http_server(mediawiki)
    passages = _source(http_client, server.url, pages=3).search(CLAIM, 5)

    search, extracts = server.requests
    assert search.path == "/w/api.php"
    assert search.query["list"] == "search" and search.query["srlimit"] == "3"
    assert search.query["srsearch"] == search_terms(CLAIM)
    assert "apec" in search.query["srsearch"] and "the" not in search.query["srsearch"].split()
    assert search.query["formatversion"] == "2"
    assert extracts.query["pageids"] == "5001|5002|5003"
    assert extracts.query["explaintext"] == "1" and extracts.query["exintro"] == "1"

    assert [p.doc_id for p in passages] == ["wikipedia:5001", "wikipedia:5002"]  # search order
    first = passages[0]
    assert first.source == "wikipedia" and first.publisher == "Wikipedia"
    assert first.title == "APEC Vietnam 2017"
    assert first.url == "https://en.wikipedia.org/wiki/APEC_Vietnam_2017"
    assert "Da Nang on 10 and 11 November 2017" in first.text
    assert first.published == "2026-09-14T08:21:05Z"
    assert first.score > passages[1].score


def test_limit_caps_the_pages(http_server: ServerFactory, http_client: httpx.Client) -> None:
    server = http_server(mediawiki)
    passages = _source(http_client, server.url, pages=3).search(CLAIM, 1)
    assert server.requests[0].query["srlimit"] == "1"
    assert [p.doc_id for p in passages] == ["wikipedia:5001"]


def test_no_hits_asks_once_more_with_names_and_numbers_only(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    server = http_server(always(Reply(json_body={"batchcomplete": True, "query": {"search": []}})))
    assert _source(http_client, server.url).search(CLAIM, 5) == []
    first, second = server.requests  # no extracts request after two empty searches
    assert first.query["srsearch"] == "apec leaders meeting 2017 held da nang vietnam"
    assert second.query["srsearch"] == "apec 2017 da nang"


def test_fallback_search_finds_the_page(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    def strict(request: Request) -> Reply:
        if request.query.get("list") == "search" and len(request.query["srsearch"].split()) > 4:
            return Reply(json_body={"query": {"search": []}})
        return mediawiki(request)

    server = http_server(strict)
    passages = _source(http_client, server.url).search(CLAIM, 5)
    assert passages and len(server.requests) == 3


@pytest.mark.parametrize(
    ("claim", "terms"),
    [
        ("Unemployment rose in September 2019.", "september 2019"),
        ("Inflation fell sharply.", "inflation fell sharply"),  # no names: the first words
    ],
)
def test_fallback_terms(claim: str, terms: str) -> None:
    assert fallback_terms(claim) == terms


def test_claim_without_content_words_asks_nothing(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    server = http_server(mediawiki)
    assert _source(http_client, server.url).search("It is what it is.", 5) == []
    assert server.requests == []


def test_formatversion_1_pages_keyed_by_id_are_read(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    search = Reply(json_body={"query": {"search": [{"ns": 0, "title": "Da Nang", "pageid": 5002}]}})
    extracts = Reply(
        json_body={
            "query": {"pages": {"5002": {"pageid": 5002, "title": "Da Nang", "extract": "A city."}}}
        }
    )
    server = http_server(in_turn(search, extracts))
    (passage,) = _source(http_client, server.url).search(CLAIM, 5)
    assert passage.text == "A city." and passage.url is None and passage.published is None


@pytest.mark.parametrize("code", ["maxlag", "ratelimited", "readonly"])
def test_load_errors_are_transient(
    code: str, http_server: ServerFactory, http_client: httpx.Client
) -> None:
    error = {"error": {"code": code, "info": "Waiting for a database server", "docref": "..."}}
    server = http_server(always(Reply(json_body=error)))
    with pytest.raises(TransientSourceError, match=code):
        _source(http_client, server.url).search(CLAIM, 5)


def test_other_api_errors_are_permanent(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    error = {"error": {"code": "badvalue", "info": 'Unrecognized value for parameter "list"'}}
    server = http_server(always(Reply(json_body=error)))
    with pytest.raises(PermanentSourceError, match="badvalue"):
        _source(http_client, server.url).search(CLAIM, 5)


def test_oversized_answer_is_permanent(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    big = {"query": {"search": [{"ns": 0, "title": "x" * 5000, "pageid": 1}]}}
    server = http_server(always(Reply(json_body=big, send_length=False)))
    source = _source(http_client, server.url, max_bytes=2048)
    with pytest.raises(PermanentSourceError, match="more than the limit"):
        source.search(CLAIM, 5)


def test_both_requests_share_one_time_budget(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    search = Reply(json_body={"query": {"search": [{"ns": 0, "title": "A", "pageid": 1}]}})
    slow_extracts = Reply(json_body={"query": {"pages": []}}, delay_s=0.3)
    server = http_server(in_turn(Reply(delay_s=0.3, json_body=search.json_body), slow_extracts))
    # 0.3 s + 0.3 s: each request would fit 0.5 s on its own, both together do not
    with pytest.raises(TransientSourceError, match="within"):
        _source(http_client, server.url).search(CLAIM, 5, timeout_s=0.5)
    assert len(server.requests) == 2


def test_behind_the_wrapper_500_then_answer_is_retried(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    failures = iter([Reply(status=500, body=b"Internal error")])

    def flaky(request: Request) -> Reply:
        return next(failures, None) or mediawiki(request)

    server = http_server(flaky)
    source = ResilientSource(
        _source(http_client, server.url), SourcePolicy(timeout_s=3, backoff_base_s=0.01)
    )
    assert [p.doc_id for p in source.search(CLAIM, 5)] == ["wikipedia:5001", "wikipedia:5002"]
    assert len(server.requests) == 3  # failed search, search, extracts


def test_behind_the_wrapper_retry_after_past_the_budget_gives_up_at_once(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    server = http_server(always(Reply(status=429, headers={"Retry-After": "120"})))
    source = ResilientSource(_source(http_client, server.url), SourcePolicy(timeout_s=2))
    started = time.monotonic()
    with pytest.raises(TransientSourceError, match="429") as caught:
        source.search(CLAIM, 5)
    assert time.monotonic() - started < 1.5  # did not sit out the 2 s budget either
    assert caught.value.retry_after == 120.0
    assert len(server.requests) == 1


def test_behind_the_wrapper_slow_server_costs_the_budget_not_more(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    server = http_server(always(Reply(json_body={}, delay_s=10)))
    source = ResilientSource(_source(http_client, server.url), SourcePolicy(timeout_s=0.5))
    started = time.monotonic()
    with pytest.raises(TransientSourceError):
        source.search(CLAIM, 5)
    assert time.monotonic() - started < 5  # the server would have answered after 10 s


def test_behind_the_wrapper_refused_connection_fails_fast(http_client: httpx.Client) -> None:
    source = ResilientSource(
        _source(http_client, f"http://127.0.0.1:{free_port()}"),
        SourcePolicy(timeout_s=3, retries=2, backoff_base_s=0.05),
    )
    started = time.monotonic()
    with pytest.raises(TransientSourceError, match="cannot reach"):
        source.search(CLAIM, 5)
    assert time.monotonic() - started < 2.5  # retried quickly, not until the 3 s budget


def test_circuit_opens_on_a_failing_server_then_recovers(
    http_server: ServerFactory, http_client: httpx.Client
) -> None:
    healthy = threading.Event()

    def server_side(request: Request) -> Reply:
        return mediawiki(request) if healthy.is_set() else Reply(status=503, body=b"down")

    server = http_server(server_side)
    source = ResilientSource(
        _source(http_client, server.url),
        SourcePolicy(timeout_s=2, retries=0, circuit_failures=2, circuit_reset_s=0.3),
    )
    for _ in range(2):
        with pytest.raises(TransientSourceError, match="503"):
            source.search(CLAIM, 5)
    with pytest.raises(CircuitOpenError):
        source.search(CLAIM, 5)
    assert len(server.requests) == 2  # open: the server was not asked
    healthy.set()
    time.sleep(0.35)
    assert source.breaker.state == "half_open"
    assert len(source.search(CLAIM, 5)) == 2  # the trial goes through and succeeds
    assert source.breaker.state == "closed"
    assert len(server.requests) == 4
