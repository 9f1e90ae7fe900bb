"""A newsroom's rulings as schema.org ClaimReview documents (``claimcheck factchecks export``).

Every ruling in the newsroom's index (:mod:`shared.rulings`) becomes one ``ClaimReview``
(:func:`shared.claimreview.claim_review`): from the claim's record and its stored review
while the record lives (article URL, speaker, evidence), from the ruling alone once the
record has expired (the ruling keeps the claim's text, the label, reviewer, date, note and
URL). Rulings are exported oldest first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import redis

from shared.claimreview import claim_review
from shared.rulings import Ruling, RulingIndex
from shared.schemas import Review
from shared.store import ClaimRecord, ClaimStore


def _from_ruling(ruling: Ruling, newsroom: str | None) -> dict[str, Any]:
    claim = ClaimRecord(claim_id=ruling.claim_id, text=ruling.text, newsroom=newsroom)
    review = Review(
        label=ruling.label,
        model_label=ruling.label,
        reviewer=ruling.reviewer,
        note=ruling.note,
        url=ruling.url,
        reviewed_at=ruling.reviewed_at,
    )
    return claim_review(claim, review)


def export_rulings(
    client: redis.Redis, store: ClaimStore, newsroom: str | None, *, since: datetime | None
) -> list[dict[str, Any]]:
    """The newsroom's rulings made at or after ``since`` (all: None), oldest first."""
    rulings = sorted(
        RulingIndex(client, store.keys.prefix).all(newsroom).values(),
        key=lambda r: r.reviewed_at,
    )
    documents = []
    for ruling in rulings:
        if since is not None and ruling.reviewed_at < since:
            continue
        record = store.get_claim(ruling.claim_id)
        if record is not None and record.review is not None and record.newsroom == newsroom:
            article = store.get_article(record.article_id) if record.article_id else None
            documents.append(claim_review(record, record.review, article))
        else:
            documents.append(_from_ruling(ruling, newsroom))
    return documents
