"""An editor's ruling as schema.org ``ClaimReview`` JSON-LD, for the newsroom's site.

The rating is on a 1 (false) to 5 (true) scale with a textual ``alternateName`` that
fact-check readers map back to the label: ``False`` (refuted, 1), ``Mixture``
(conflicting, 3), ``True`` (supported, 5), ``Unproven`` (not_enough_info, ``-1``: off the
scale, it is no truth rating; readers go by the name). ``itemReviewed`` is the ``Claim``:
where it appeared (the article's URL, or a lone claim's source URL) and who made it (the
speaker, where one was found).
"""

from __future__ import annotations

from typing import Any, Final

from shared.schemas import Label, Review
from shared.store import ArticleRecord, ClaimRecord

WORST_RATING: Final = 1
BEST_RATING: Final = 5
RATINGS: Final[dict[Label, tuple[int, str]]] = {
    "refuted": (1, "False"),
    "conflicting": (3, "Mixture"),
    "supported": (5, "True"),
    "not_enough_info": (-1, "Unproven"),
}
"""Each label's ``ratingValue`` and ``alternateName``."""


def _item_reviewed(claim: ClaimRecord, article: ArticleRecord | None) -> dict[str, Any]:
    item: dict[str, Any] = {"@type": "Claim"}
    appearance = article.url if article is not None else claim.source_url
    if appearance:
        item["appearance"] = {"@type": "CreativeWork", "url": appearance}
    if claim.speaker:
        item["author"] = {"@type": "Person", "name": claim.speaker}
    if article is not None and article.published_at is not None:
        item["datePublished"] = article.published_at.isoformat()
    return item


def claim_review(
    claim: ClaimRecord, review: Review, article: ArticleRecord | None = None
) -> dict[str, Any]:
    """The ``ClaimReview`` of ``claim`` with ``review`` (its article, where it has one)."""
    value, name = RATINGS[review.label]
    document: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": claim.text,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": value,
            "bestRating": BEST_RATING,
            "worstRating": WORST_RATING,
            "alternateName": name,
        },
        "itemReviewed": _item_reviewed(claim, article),
        "datePublished": review.reviewed_at.isoformat(),
    }
    if claim.newsroom:
        document["author"] = {"@type": "Organization", "name": claim.newsroom}
    if review.url:
        document["url"] = review.url
    if review.note:
        document["reviewBody"] = review.note
    return document
