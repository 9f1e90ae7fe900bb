"""An editor's ruling as schema.org ``ClaimReview`` JSON-LD, for the newsroom's site.

Every document has what Google's fact-check structured data requires (``claimReviewed``,
``reviewRating`` with its textual ``alternateName``, ``url``) and what it recommends
(``author``, ``itemReviewed``, ``datePublished``). ``url`` is where the newsroom publishes
the fact-check: the review's own ``url``, else the newsroom publisher's ``review_url``
template filled with the claim id (the ruled claim's, for a twin a ruling resolved:
:mod:`shared.newsroom.reviews`). ``author`` is the newsroom as an ``Organization`` with the
publisher's name and site. Both come from ``CLAIMCHECK_NEWSROOM_PUBLISHERS``
(:mod:`shared.newsroom.publishers`); a document that would lack either is refused
(:class:`UnpublishableError`, naming that setting) rather than written without it.

The rating is on a 1 (false) to 5 (true) scale with a textual ``alternateName`` that
fact-check readers map back to the label: ``False`` (refuted, 1), ``Mixture``
(conflicting, 3), ``True`` (supported, 5). ``Unproven`` (not_enough_info) is no point on a
truth scale, so its rating has the name alone: Google requires the textual rating and
makes the numeric one optional (recommended only for ratings on a scale, where
``ratingValue`` must lie between ``worstRating`` and ``bestRating``); readers go by the
name.

``claimReviewed`` is the article's own sentence (``source_text``; a lone claim's text), or
the editor's checked text where an editor corrected it (:mod:`shared.newsroom.checked_text`), never
the extractor's rewrite: the newsroom publishes words it wrote or chose. ``itemReviewed`` is
the ``Claim``: where it appeared (the article's URL, or a lone claim's source URL) and who
made it (the speaker, where one was found). ``reviewBody`` is the editor's note, followed,
for a claim ruled false or mixed, by what the sources say of the details the claim states
otherwise (the verdict's ``conflicts``: "The source says 4 January 2022, not 4 March
2022.").

:func:`claim_review_json` writes the documents out, escaped for an HTML page.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from shared.errors import ClaimcheckError
from shared.newsroom.checked_text import claim_reviewed_text
from shared.newsroom.publishers import REVIEW_URL_FIELD, Publisher
from shared.schemas import DetailConflict, Label, Review
from shared.store.claims import ArticleRecord, ClaimRecord
from shared.store.keys import newsroom_namespace
from shared.verdict_parts import explain_conflict

WORST_RATING: Final = 1
BEST_RATING: Final = 5
RATINGS: Final[dict[Label, tuple[int | None, str]]] = {
    "refuted": (1, "False"),
    "conflicting": (3, "Mixture"),
    "supported": (5, "True"),
    "not_enough_info": (None, "Unproven"),
}
"""Each label's ``ratingValue`` (None: no numeric rating) and ``alternateName``."""
PUBLISHERS_SETTING: Final = "CLAIMCHECK_NEWSROOM_PUBLISHERS"
CONFLICTS_SHOWN_FOR: Final[frozenset[Label]] = frozenset({"refuted", "conflicting"})
"""The rulings whose ``reviewBody`` says which details the sources state otherwise (a
detail stated otherwise does not explain a ruling that the claim is true or unproven)."""
_HTML_SAFE: Final = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})
"""JSON escapes for the characters that could end or open markup where the JSON-LD is pasted."""


class UnpublishableError(ClaimcheckError):
    """A ClaimReview would lack its ``author`` or ``url``; the message says what to set."""


def publisher_of(publishers: Mapping[str, Publisher], newsroom: str | None) -> Publisher:
    """The newsroom's publisher (``-`` for claims without a newsroom); raises
    :class:`UnpublishableError` when ``CLAIMCHECK_NEWSROOM_PUBLISHERS`` has none."""
    name = newsroom_namespace(newsroom)
    publisher = publishers.get(name)
    if publisher is None:
        raise UnpublishableError(
            f"newsroom {name!r} has no publisher for ClaimReview: add its name and url "
            f"(and a review_url with {REVIEW_URL_FIELD}) to {PUBLISHERS_SETTING}"
        )
    return publisher


def review_url(claim_id: str, review: Review, publisher: Publisher) -> str | None:
    """Where the fact-check is published: the review's ``url``, else the publisher's
    template with the ruled claim's id; None where neither exists."""
    return review.url or publisher.review_url_for(review.resolved_by or claim_id)


def missing_url(claim_ids: list[str], publisher: Publisher) -> str:
    """Why the reviews of ``claim_ids`` (one or more) cannot be published: no url."""
    which = f"claim {claim_ids[0]!r}" + (
        f" and {len(claim_ids) - 1} more" if len(claim_ids) > 1 else ""
    )
    return (
        f"the review of {which} has no url and publisher {publisher.name!r} has no "
        f"review_url: set review_url (with {REVIEW_URL_FIELD}) in {PUBLISHERS_SETTING}, "
        "or give the review a url"
    )


def _says(conflict: DetailConflict) -> str | None:
    """What the source says of one detail, as a sentence; None where a side is empty."""
    return explain_conflict(conflict.slot, conflict.claim, conflict.source)


def review_body(claim: ClaimRecord, review: Review) -> str | None:
    """The editor's note, then (for a ruling in :data:`CONFLICTS_SHOWN_FOR`) one sentence
    per detail of the claim a source states otherwise, the deciding one first; each sentence
    once, and none the note already holds. None: nothing to say."""
    parts = [review.note] if review.note else []
    if review.label in CONFLICTS_SHOWN_FOR and claim.verdict is not None:
        for conflict in claim.verdict.conflicts:
            said = _says(conflict)
            if said and not any(said in part for part in parts):
                parts.append(said)
    return " ".join(parts) or None


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


def rating(label: Label) -> dict[str, Any]:
    """The ``reviewRating`` of a ruling: the name, and the place on the scale if it has one."""
    value, name = RATINGS[label]
    if value is None:
        return {"@type": "Rating", "alternateName": name}
    return {
        "@type": "Rating",
        "ratingValue": value,
        "bestRating": BEST_RATING,
        "worstRating": WORST_RATING,
        "alternateName": name,
    }


def claim_review(
    claim: ClaimRecord,
    review: Review,
    article: ArticleRecord | None = None,
    *,
    publisher: Publisher,
) -> dict[str, Any]:
    """The ``ClaimReview`` of ``claim`` with ``review`` (its article, where it has one),
    published by ``publisher`` (the claim's newsroom's: :func:`publisher_of`). Raises
    :class:`UnpublishableError` when there is no url for it (:func:`review_url`)."""
    url = review_url(claim.claim_id, review, publisher)
    if url is None:
        raise UnpublishableError(missing_url([claim.claim_id], publisher))
    document: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": claim_reviewed_text(
            claim.text, claim.source_text, claim.checked_text_edit
        ),
        "reviewRating": rating(review.label),
        "itemReviewed": _item_reviewed(claim, article),
        "author": {"@type": "Organization", "name": publisher.name, "url": publisher.url},
        "datePublished": review.reviewed_at.isoformat(),
    }
    body = review_body(claim, review)
    if body:
        document["reviewBody"] = body
    return document


def claim_review_json(documents: Any, *, indent: int | None = None) -> str:
    """``ClaimReview`` document(s) as JSON text that is safe inside an HTML ``<script
    type="application/ld+json">``, where newsrooms paste it: ``<``, ``>`` and ``&``
    (which occur only inside JSON strings) are written ``\\u003c``, ``\\u003e`` and
    ``\\u0026``, so a claim or note holding ``</script>`` cannot end the script; the text
    parses back to the same strings. The API's answer and ``claimcheck factchecks export``
    both write with this."""
    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(documents, ensure_ascii=False, indent=indent, separators=separators)
    return text.translate(_HTML_SAFE)
