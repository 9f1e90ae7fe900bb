"""Google Fact Check Tools API (``claims:search``): published fact-checks of similar claims.

One GET to ``CLAIMCHECK_GOOGLE_FACTCHECK_URL`` with ``query`` (the claim), ``pageSize`` and
``languageCode`` (optional); the API key (``CLAIMCHECK_GOOGLE_FACTCHECK_API_KEY``) travels
in the ``X-Goog-Api-Key`` header, which Google APIs accept in place of ``?key=``, so it is
never part of a URL that a log line could show.
The answer is ``{"claims": [{"text", "claimant", "claimDate", "claimReview": [{"publisher":
{"name", "site"}, "url", "title", "reviewDate", "textualRating", "languageCode"}]}],
"nextPageToken"}``; an empty object means nothing matched. Only the first page is read.

Every claim review becomes one passage: the publisher, review date, URL and the rating
verbatim (``rating``), the rating mapped to a verdict label where it is a truth rating
(``label``), a text that states who rated which claim how, e.g. ``PolitiFact rated the
claim "…" (made by …) as "False".``, and as its score the similarity of the checked
claim to ours (:func:`claim_similarity`). Such rated passages are fact-check evidence:
the verifier never stance-scores them (their text restates the claim, true or false).

The key is kept as a :class:`~pydantic.SecretStr` and never logged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from shared.errors import ConfigurationError, PermanentSourceError
from workers.retrieval_words import content_stems, numbers
from workers.sources.base import Passage
from workers.sources.factchecks.ratings import label_from_text
from workers.sources.http_client import JsonSource

SOURCE_NAME = "google_factcheck"
MAX_QUERY_CHARS = 500


@dataclass(frozen=True)
class GoogleFactCheckConfig:
    """The endpoint, its key (None: not configured), the language filter, the time budget
    and the answer cap."""

    url: str
    api_key: SecretStr | None
    language: str | None = "en"
    timeout_s: float = 3.0
    max_bytes: int = 2_000_000


class GoogleFactCheckSource(JsonSource):
    """Searches Google's index of ClaimReview fact-checks."""

    name = SOURCE_NAME

    def __init__(
        self,
        client: httpx.Client,
        *,
        url: str,
        api_key: SecretStr,
        language: str | None = "en",
        timeout_s: float = 3.0,
        max_bytes: int = 2_000_000,
    ) -> None:
        super().__init__(client, url=url, timeout_s=timeout_s, max_bytes=max_bytes)
        self._api_key = api_key
        self.language = language

    @classmethod
    def from_config(
        cls, config: GoogleFactCheckConfig, client: httpx.Client
    ) -> GoogleFactCheckSource:
        if config.api_key is None:
            raise ConfigurationError("google_factcheck needs CLAIMCHECK_GOOGLE_FACTCHECK_API_KEY")
        return cls(
            client,
            url=config.url,
            api_key=config.api_key,
            language=config.language,
            timeout_s=config.timeout_s,
            max_bytes=config.max_bytes,
        )

    def search(self, claim: str, limit: int, *, timeout_s: float | None = None) -> list[Passage]:
        query = " ".join(claim.split())[:MAX_QUERY_CHARS]
        if not query or limit <= 0:
            return []
        params: dict[str, str | int] = {"query": query, "pageSize": limit}
        if self.language and self.language != "all":
            params["languageCode"] = self.language
        body = self.get_object(
            params,
            timeout_s=timeout_s or self.timeout_s,
            headers={"X-Goog-Api-Key": self._api_key.get_secret_value()},
        )
        claims = body.get("claims", [])
        if not isinstance(claims, list):
            raise PermanentSourceError(self.name, "'claims' is not a list")
        passages: list[Passage] = []
        for item in claims:
            if not isinstance(item, dict):
                continue
            for review in _list(item.get("claimReview")):
                passage = self._passage(claim, item, review)
                if passage is not None:
                    passages.append(passage)
                if len(passages) >= limit:
                    return passages
        return passages

    def _passage(self, query: str, claim: dict[str, Any], review: Any) -> Passage | None:
        if not isinstance(review, dict):
            return None
        claim_text = _text(claim.get("text"))
        url = _text(review.get("url"))
        if not claim_text or not url:
            return None
        publisher_info = review.get("publisher")
        publisher = None
        if isinstance(publisher_info, dict):
            publisher = _text(publisher_info.get("name")) or _text(publisher_info.get("site"))
        rating = _text(review.get("textualRating"))
        claimant = _text(claim.get("claimant"))
        who = publisher or "A fact-checker"
        made_by = f" (made by {claimant})" if claimant else ""
        rated = f' as "{rating}"' if rating else ""
        return Passage(
            source=self.name,
            doc_id="gfc:" + hashlib.sha256(url.encode()).hexdigest()[:16],
            title=_text(review.get("title")) or claim_text,
            url=url,
            text=f'{who} rated the claim "{claim_text}"{made_by}{rated}.',
            score=round(claim_similarity(query, claim_text), 4),
            publisher=publisher,
            published=_text(review.get("reviewDate")) or _text(claim.get("claimDate")),
            rating=rating,
            label=label_from_text(rating),
        )


def claim_similarity(a: str, b: str) -> float:
    """How alike two claims are, in [0, 1]: overlap of their word stems and numbers.

    Google ranks by its own relevance, which it does not return; this score says how
    close the fact-checked claim is to ours (the verifier uses it, see ``pipeline``).
    """
    left = content_stems(a) | numbers(a)
    right = content_stems(b) | numbers(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        stripped = " ".join(value.split())
        return stripped or None
    return None
