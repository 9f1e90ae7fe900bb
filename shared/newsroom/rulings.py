"""Editors' rulings as the newsroom's own fact-check archive, kept in Redis.

When an editor reviews a claim (:mod:`shared.newsroom.reviews`), the ruling is also written to the
newsroom's rulings index, in the same Lua script that stores the review: a hash
``<prefix>:rulings:<newsroom>`` (:meth:`shared.store.keys.Keys.rulings`) whose fields are
:func:`~shared.newsroom.identity.claim_key` of the claim's text and whose values are
:class:`Ruling` JSON. A later ruling on a claim of the same text replaces the earlier one
(the latest word of an editor stands). The index has no TTL: a ruling outlives the claim
record it was made on, and it carries all a verdict needs (text, label, reviewer, date, note).

The workers read it (``workers/newsroom/ruling_matches.py``): a later claim of the same newsroom
whose normalised text equals a ruling's, or whose embedding is close enough, is decided by it.
Only the newsroom's own hash is ever read, so one newsroom never sees another's rulings.

A ruling decides a claim worded differently only when both are the same claim in their
details (:mod:`shared.newsroom.identity` says what "the same claim" is): "in 2017" is never
"in 2018". The rulings are also indexed by those details
(:meth:`shared.store.keys.Keys.rulings_by_details`), so finding the candidates for a claim costs
one read, not one per ruling.

:meth:`Ruling.from_review` is the one place a review becomes a ruling (the review script's
ruling, and an earlier check's review as the worker reads it); :meth:`Ruling.as_review` the
one place a ruling becomes a review again (the export of a ruling whose record expired).
"""

from __future__ import annotations

import json
from datetime import datetime

import redis
from pydantic import BaseModel

from shared.newsroom.identity import claim_key, details_signature
from shared.schemas import Label, Review
from shared.store.claims import ClaimRecord
from shared.store.client import redis_call
from shared.store.keys import Keys


def ruling_document(text: str) -> str:
    """The document id under which verdicts decided by the ruling on ``text`` cite it: a
    later ruling on that text re-checks them
    (:meth:`shared.newsroom.rechecks.Rechecker.recheck`)."""
    return f"ruling:{claim_key(text)}"


class Ruling(BaseModel):
    """An editor's ruling on a claim, as the newsroom's archive keeps it."""

    claim_id: str
    """The reviewed claim."""
    text: str
    """Its stand-alone text."""
    label: Label
    reviewer: str
    reviewed_at: datetime
    note: str | None = None
    url: str | None = None
    """Where the newsroom published the ruling, if it said."""

    @classmethod
    def from_review(cls, claim: ClaimRecord, review: Review) -> Ruling:
        """The ruling ``review`` makes on ``claim``'s text."""
        return cls(
            claim_id=claim.claim_id,
            text=claim.text,
            label=review.label,
            reviewer=review.reviewer,
            reviewed_at=review.reviewed_at,
            note=review.note,
            url=review.url,
        )

    def as_review(self) -> Review:
        """The ruling as a review of its claim, where the claim's own review is gone (the
        verdict it ruled on is not kept: ``model_label`` is the ruling's label)."""
        return Review(
            label=self.label,
            model_label=self.label,
            reviewer=self.reviewer,
            note=self.note,
            url=self.url,
            reviewed_at=self.reviewed_at,
        )


class RulingIndex:
    """Reads a newsroom's rulings (the review script writes them)."""

    def __init__(self, client: redis.Redis, key_prefix: str) -> None:
        self._redis = client
        self._keys = Keys(key_prefix)

    def exact(self, newsroom: str | None, text: str) -> Ruling | None:
        """The newsroom's ruling on a claim whose normalised text equals ``text``'s."""
        key, field = self._key(newsroom), claim_key(text)
        raw: str | None = redis_call(lambda: self._redis.hget(key, field), "read a ruling")
        return Ruling.model_validate_json(raw) if raw else None

    def all(self, newsroom: str | None) -> dict[str, Ruling]:
        """Every ruling of the newsroom, by the ``claim_key`` of its text (the export)."""
        key = self._key(newsroom)
        rows: dict[str, str] = redis_call(lambda: self._redis.hgetall(key), "read rulings")
        return {field: Ruling.model_validate_json(raw) for field, raw in rows.items()}

    def with_details(self, newsroom: str | None, text: str) -> dict[str, Ruling]:
        """The newsroom's rulings on claims that state the same details as ``text``
        (:func:`~shared.newsroom.identity.same_details`), by their ``claim_key``."""
        index, signature = self._keys.rulings_by_details(newsroom), details_signature(text)
        raw_keys: str | None = redis_call(
            lambda: self._redis.hget(index, signature), "read the rulings index"
        )
        fields: list[str] = json.loads(raw_keys) if raw_keys else []
        if not fields:
            return {}
        key = self._key(newsroom)
        rows: list[str | None] = redis_call(lambda: self._redis.hmget(key, fields), "read rulings")
        return {
            f: Ruling.model_validate_json(raw) for f, raw in zip(fields, rows, strict=True) if raw
        }

    def _key(self, newsroom: str | None) -> str:
        return self._keys.rulings(newsroom)
