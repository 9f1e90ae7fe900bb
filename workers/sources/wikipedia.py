"""Wikipedia through the MediaWiki Action API: full-text search, then plain-text intros.

Two GET requests to ``api.php`` (``CLAIMCHECK_WIKIPEDIA_URL``), both ``format=json`` and
``formatversion=2``:

1. ``action=query&list=search&srsearch=<content words of the claim>&srlimit=<pages>``
   → ``query.search[]`` with ``pageid``, ``title`` and ``timestamp`` (last edit), best
   first; when that finds nothing, once more with only the claim's names and numbers
   (the search wants every word in a page);
2. ``action=query&prop=extracts|info&pageids=<ids>&exintro=1&explaintext=1&inprop=url``
   → ``query.pages[]`` with ``extract`` (the lead section as plain text) and ``fullurl``.
   (The extracts module returns several pages only with ``exintro``.)

An ``error`` object in a 200 answer is permanent, except the codes Wikimedia uses for
load (``maxlag``, ``ratelimited``, ``readonly``), which are transient.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from shared.errors import PermanentSourceError, TransientSourceError
from workers.retrieval_words import content_words, unique
from workers.sources.base import Passage
from workers.sources.http_client import JsonSource

SOURCE_NAME = "wikipedia"
PUBLISHER = "Wikipedia"
MAX_QUERY_WORDS = 10
FALLBACK_WORDS = 4
MAX_EXTRACT_CHARS = 2000
_TRANSIENT_CODES = frozenset(
    {"maxlag", "ratelimited", "readonly", "internal_api_error_DBQueryError"}
)


def search_terms(claim: str, *, max_words: int = MAX_QUERY_WORDS) -> str:
    """The claim's first distinct content words: what CirrusSearch matches best."""
    return " ".join(unique(content_words(claim))[:max_words])


def fallback_terms(claim: str, *, max_words: int = FALLBACK_WORDS) -> str:
    """A shorter query for when every content word together finds nothing.

    Wikipedia's search wants every word to occur in a page; the names and numbers of a
    claim (capitalised words past its first, and figures) usually name the page it is about.
    """
    tokens = claim.split()
    keep = [
        token
        for i, token in enumerate(tokens)
        if (i > 0 and token[:1].isupper()) or any(ch.isdigit() for ch in token)
    ]
    names = unique(content_words(" ".join(keep)))
    return " ".join(names[:max_words] or unique(content_words(claim))[:max_words])


@dataclass(frozen=True)
class WikipediaConfig:
    """The wiki's ``api.php``, how many pages to read, the time budget and the answer cap."""

    url: str
    pages: int = 3
    timeout_s: float = 3.0
    max_bytes: int = 2_000_000


class WikipediaSource(JsonSource):
    """Searches one MediaWiki wiki and returns the intros of the best pages."""

    name = SOURCE_NAME

    def __init__(
        self,
        client: httpx.Client,
        *,
        url: str,
        pages: int = 3,
        timeout_s: float = 3.0,
        max_bytes: int = 2_000_000,
    ) -> None:
        super().__init__(client, url=url, timeout_s=timeout_s, max_bytes=max_bytes)
        self.pages = pages

    @classmethod
    def from_config(cls, config: WikipediaConfig, client: httpx.Client) -> WikipediaSource:
        return cls(
            client,
            url=config.url,
            pages=config.pages,
            timeout_s=config.timeout_s,
            max_bytes=config.max_bytes,
        )

    def search(self, claim: str, limit: int, *, timeout_s: float | None = None) -> list[Passage]:
        terms = search_terms(claim)
        if not terms or limit <= 0:
            return []
        deadline = time.monotonic() + (timeout_s or self.timeout_s)
        hits = self._search(terms, min(limit, self.pages), deadline)
        fallback = fallback_terms(claim)
        if not hits and fallback != terms:
            hits = self._search(fallback, min(limit, self.pages), deadline)
        if not hits:
            return []
        pages = self._extracts([hit["pageid"] for hit in hits], deadline)
        passages: list[Passage] = []
        for rank, hit in enumerate(hits):
            page = pages.get(hit["pageid"])
            if page is None:
                continue
            extract = _clip(str(page.get("extract") or "").strip())
            if not extract:
                continue
            title = str(page.get("title") or hit["title"])
            passages.append(
                Passage(
                    source=self.name,
                    doc_id=f"wikipedia:{hit['pageid']}",
                    title=title,
                    url=_string(page.get("fullurl")),
                    text=extract,
                    score=round(1.0 / (1.0 + rank), 4),
                    publisher=PUBLISHER,
                    published=_string(hit.get("timestamp")),
                )
            )
        return passages

    def _search(self, terms: str, limit: int, deadline: float) -> list[dict[str, Any]]:
        body = self._get(
            {
                "action": "query",
                "list": "search",
                "srsearch": terms,
                "srlimit": limit,
                "srnamespace": 0,
                "srprop": "timestamp",
                "format": "json",
                "formatversion": 2,
            },
            deadline,
        )
        found = _dig(body, "query", "search")
        if not isinstance(found, list):
            raise PermanentSourceError(self.name, "search answer has no query.search list")
        hits: list[dict[str, Any]] = []
        for item in found:
            if (
                isinstance(item, dict)
                and isinstance(item.get("pageid"), int)
                and isinstance(item.get("title"), str)
            ):
                hits.append(item)
        return hits

    def _extracts(self, page_ids: list[int], deadline: float) -> dict[int, Mapping[str, Any]]:
        body = self._get(
            {
                "action": "query",
                "prop": "extracts|info",
                "pageids": "|".join(str(i) for i in page_ids),
                "exintro": 1,
                "explaintext": 1,
                "exlimit": len(page_ids),
                "inprop": "url",
                "format": "json",
                "formatversion": 2,
            },
            deadline,
        )
        pages = _dig(body, "query", "pages")
        if isinstance(pages, dict):  # formatversion=1 keys pages by id
            pages = list(pages.values())
        if not isinstance(pages, list):
            raise PermanentSourceError(self.name, "extracts answer has no query.pages")
        return {
            page["pageid"]: page
            for page in pages
            if isinstance(page, dict) and isinstance(page.get("pageid"), int)
        }

    def _get(self, params: Mapping[str, str | int], deadline: float) -> Any:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TransientSourceError(self.name, "no time left for the next request")
        body = self.get_object(params, timeout_s=left)
        error = body.get("error")
        if isinstance(error, dict):
            code = str(error.get("code") or "unknown")
            info = str(error.get("info") or "")[:200]
            if code in _TRANSIENT_CODES:
                raise TransientSourceError(self.name, f"API error {code}: {info}")
            raise PermanentSourceError(self.name, f"API error {code}: {info}")
        return body


def _dig(body: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(body, dict):
            return None
        body = body.get(key)
    return body


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _clip(text: str, limit: int = MAX_EXTRACT_CHARS) -> str:
    """At most ``limit`` characters, cut after the last full stop that fits."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    stop = cut.rfind(". ")
    return cut[: stop + 1] if stop > limit // 2 else cut
