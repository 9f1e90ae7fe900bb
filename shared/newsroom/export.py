"""A newsroom's rulings as schema.org ClaimReview documents (``claimcheck factchecks export``).

Every ruling in the newsroom's index (:mod:`shared.newsroom.rulings`) becomes one ``ClaimReview``
(:func:`shared.newsroom.claimreview.claim_review`): from the claim's record and its stored review
while the record lives (article URL, speaker, evidence), from the ruling alone once the
record has expired (the ruling keeps the claim's text, the label, reviewer, date, note and
URL). Rulings are exported oldest first, each published by the newsroom's publisher
(``CLAIMCHECK_NEWSROOM_PUBLISHERS``). The export is all or nothing: where any ruling has
no url (its own, or the publisher's ``review_url`` template) none is exported, and the
error names how many lack one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import redis

from shared.newsroom.claimreview import UnpublishableError, claim_review, missing_url, review_url
from shared.newsroom.publishers import Publisher
from shared.newsroom.rulings import Ruling, RulingIndex
from shared.schemas import Review
from shared.store.claims import ClaimRecord, ClaimStore


def _from_ruling(ruling: Ruling, newsroom: str | None) -> tuple[ClaimRecord, Review]:
    claim = ClaimRecord(claim_id=ruling.claim_id, text=ruling.text, newsroom=newsroom)
    return claim, ruling.as_review()


def export_rulings(
    client: redis.Redis,
    store: ClaimStore,
    newsroom: str | None,
    *,
    since: datetime | None,
    publisher: Publisher,
) -> list[dict[str, Any]]:
    """The newsroom's rulings made at or after ``since`` (all: None), oldest first, as
    ``publisher``'s. Raises :class:`~shared.newsroom.claimreview.UnpublishableError` when any of
    them has no url."""
    rulings = sorted(
        RulingIndex(client, store.keys.prefix).all(newsroom).values(),
        key=lambda r: r.reviewed_at,
    )
    chosen = []
    for ruling in rulings:
        if since is not None and ruling.reviewed_at < since:
            continue
        record = store.get_claim(ruling.claim_id)
        if record is not None and record.review is not None and record.newsroom == newsroom:
            article = store.get_article(record.article_id) if record.article_id else None
            chosen.append((record, record.review, article))
        else:
            chosen.append((*_from_ruling(ruling, newsroom), None))
    unpublished = [c.claim_id for c, r, _ in chosen if review_url(c.claim_id, r, publisher) is None]
    if unpublished:
        raise UnpublishableError(
            f"{missing_url(unpublished, publisher)} ({len(unpublished)} of the "
            f"{len(chosen)} rulings; nothing was exported)"
        )
    return [claim_review(c, r, a, publisher=publisher) for c, r, a in chosen]
