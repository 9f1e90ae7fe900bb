"""Claim and article records in Redis: what the intake writes and the workers read.

Records are Redis hashes with a TTL (``record_ttl_s``). A claim's verdict is written to
its record by :mod:`shared.store.publisher` in the same atomic step that puts it on the stream.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar

import redis
from pydantic import BaseModel, Field

from shared.newsroom.checked_text import EditedClaim, edit_from_hash, edit_mapping
from shared.schemas import (
    ClaimDetails,
    ClaimState,
    ClaimText,
    Entity,
    Review,
    SkippedSentence,
    Verdict,
)
from shared.store.client import store_errors
from shared.store.keys import Keys
from shared.store.lua import KEY, Script, ScriptCall


class ClaimRecord(EditedClaim, ClaimDetails, ClaimText):
    """A claim as the intake stored it. ``text`` is what workers verify (stand-alone, or an
    editor's correction: ``checked_text_edit``, :mod:`shared.newsroom.checked_text`); its
    :class:`~shared.schemas.ClaimDetails` say where it came from."""

    article_id: str | None = None
    context: str | None = None
    source_url: str | None = None
    newsroom: str | None = None
    status: ClaimState = "queued"
    created_at_ms: int = Field(default_factory=lambda: int(time.time() * 1000))
    verdict: Verdict | None = None
    stream_id: str | None = None
    review: Review | None = None
    """An editor's ruling on the verdict (written by :mod:`shared.newsroom.reviews`)."""
    review_stream_id: str | None = None
    """The stream id of the review's ``verdict.reviewed`` entry."""
    revision: int = 0
    """How many times the claim was re-queued: a changed document (:mod:`shared.newsroom.rechecks`)
    or an editor's checked text (:mod:`shared.newsroom.checked_text`)."""

    def stamp(self, verdict: Verdict) -> Verdict:
        """``verdict`` with this claim's details, newsroom and editor's correction, as the
        stream carries it; for a re-check also its revision and the label it had."""
        update: dict[str, Any] = {
            **self.claim_fields(),
            "newsroom": self.newsroom,
            "checked_text_edit": self.checked_text_edit,
        }
        if self.revision:
            update["revision"] = self.revision
            update["previous_label"] = self.verdict.label if self.verdict else None
        return verdict.model_copy(update=update)


class ArticleRecord(BaseModel):
    article_id: str
    text: str
    title: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    external_id: str | None = None
    newsroom: str | None = None
    claim_ids: list[str] = Field(default_factory=list)
    skipped_sentences: list[SkippedSentence] = Field(default_factory=list)
    created_at_ms: int = Field(default_factory=lambda: int(time.time() * 1000))
    completed_stream_id: str | None = None

    @property
    def claim_count(self) -> int:
        return len(self.claim_ids)


_SCALAR_CLAIM_FIELDS = (
    "claim_id", "text", "article_id", "context", "source_url", "status", "newsroom",
)  # fmt: skip

_LUA = "shared.store.lua"
"""The package holding the store's Lua scripts (:func:`shared.store.lua.read_script`)."""


@dataclass(frozen=True, kw_only=True)
class MarkCheckingCall(ScriptCall):
    """``mark_checking.lua``: a claim is being checked, unless it is decided."""

    SCRIPT: ClassVar[tuple[str, str]] = (_LUA, "mark_checking.lua")
    claim: Annotated[str, KEY]


@dataclass(frozen=True, kw_only=True)
class CountDeliveryCall(ScriptCall):
    """``count_delivery.lua``: one more delivery of a claim's job."""

    SCRIPT: ClassVar[tuple[str, str]] = (_LUA, "count_delivery.lua")
    claim: Annotated[str, KEY]


def _details_mapping(details: ClaimDetails) -> dict[str, str]:
    """The hash fields of a claim's details; unknown ones (and defaults) are left out."""
    mapping = {f: value for f in ("source_text", "speaker") if (value := getattr(details, f))}
    if details.start is not None and details.end is not None:
        mapping["start"], mapping["end"] = str(details.start), str(details.end)
    if details.quote_start is not None and details.quote_end is not None:
        mapping["quote_start"] = str(details.quote_start)
        mapping["quote_end"] = str(details.quote_end)
    if details.attributed:
        mapping["attributed"] = "1"
    if not details.stand_alone:
        mapping["stand_alone"] = "0"
    if details.checkworthiness is not None:
        mapping["checkworthiness"] = repr(details.checkworthiness)
    if details.entities:
        mapping["entities"] = json.dumps([e.model_dump() for e in details.entities])
    return mapping


def _details_from_hash(data: dict[str, str]) -> ClaimDetails:
    """:func:`_details_mapping` read back; a field the hash lacks reads as unknown."""
    return ClaimDetails(
        source_text=data.get("source_text"),
        start=int(data["start"]) if "start" in data else None,
        end=int(data["end"]) if "end" in data else None,
        speaker=data.get("speaker"),
        attributed=data.get("attributed") == "1",
        stand_alone=data.get("stand_alone") != "0",
        checkworthiness=float(data["checkworthiness"]) if data.get("checkworthiness") else None,
        entities=[Entity.model_validate(e) for e in json.loads(data.get("entities", "[]"))],
        quote_start=int(data["quote_start"]) if "quote_start" in data else None,
        quote_end=int(data["quote_end"]) if "quote_end" in data else None,
    )


def _claim_mapping(claim: ClaimRecord) -> dict[str, str]:
    mapping = {f: str(getattr(claim, f)) for f in _SCALAR_CLAIM_FIELDS if getattr(claim, f)}
    mapping["created_at_ms"] = str(claim.created_at_ms)
    return mapping | _details_mapping(claim) | edit_mapping(claim.checked_text_edit)


def _claim_from_hash(data: dict[str, str]) -> ClaimRecord:
    verdict = Verdict.model_validate_json(data["verdict"]) if data.get("verdict") else None
    review = Review.model_validate_json(data["review"]) if data.get("review") else None
    return ClaimRecord(
        claim_id=data["claim_id"],
        text=data["text"],
        article_id=data.get("article_id"),
        context=data.get("context"),
        source_url=data.get("source_url"),
        newsroom=data.get("newsroom"),
        status=data.get("status", "queued"),
        created_at_ms=int(data.get("created_at_ms", "0")),
        verdict=verdict,
        stream_id=data.get("stream_id"),
        review=review,
        review_stream_id=data.get("review_stream_id"),
        revision=int(data.get("revision") or 0),
        checked_text_edit=edit_from_hash(data),
        **_details_from_hash(data).claim_fields(),
    )


@dataclass(frozen=True)
class StoreConfig:
    """Where records live and how long they are kept."""

    key_prefix: str
    record_ttl_s: int


class ClaimStore:
    """Reads and writes claim and article records."""

    def __init__(self, client: redis.Redis, config: StoreConfig) -> None:
        self._redis = client
        self._keys = Keys(config.key_prefix)
        self._ttl = config.record_ttl_s
        self._mark_checking = Script(client, MarkCheckingCall)
        self._count_delivery = Script(client, CountDeliveryCall)

    @property
    def keys(self) -> Keys:
        return self._keys

    def save(self, claims: Iterable[ClaimRecord], article: ArticleRecord | None = None) -> None:
        """Write an article and its claims (or a lone claim) in one transaction."""
        with store_errors("store records"), self._redis.pipeline(transaction=True) as pipe:
            if article is not None:
                key = self._keys.article(article.article_id)
                pipe.hset(key, mapping=_article_mapping(article))
                pipe.expire(key, self._ttl)
            for claim in claims:
                key = self._keys.claim(claim.claim_id)
                pipe.hset(key, mapping=_claim_mapping(claim))
                pipe.expire(key, self._ttl)
            pipe.execute()

    def delete(self, claim_ids: Iterable[str], article_id: str | None = None) -> None:
        """Remove records again (used when queuing failed after they were written)."""
        keys = [self._keys.claim(cid) for cid in claim_ids]
        if article_id is not None:
            keys += [
                self._keys.article(article_id),
                self._keys.article_done(article_id),
                self._keys.article_counts(article_id),
            ]
        if keys:
            self._redis.delete(*keys)

    def get_claim(self, claim_id: str) -> ClaimRecord | None:
        data = self._redis.hgetall(self._keys.claim(claim_id))
        return _claim_from_hash(data) if data else None

    def iter_queued(self, *, older_than_ms: int) -> Iterator[ClaimRecord]:
        """Claims still ``queued`` that were created before ``older_than_ms`` (epoch ms)."""
        for key in self._redis.scan_iter(match=self._keys.claim("*"), count=500):
            fields = self._redis.hmget(key, "status", "created_at_ms")
            status, created = fields[0], fields[1]
            if status == "queued" and created is not None and int(created) < older_than_ms:
                claim = self.get_claim(key.rsplit(":", 1)[-1])
                if claim is not None:
                    yield claim

    def get_claims(self, claim_ids: list[str]) -> list[ClaimRecord]:
        with self._redis.pipeline(transaction=False) as pipe:
            for cid in claim_ids:
                pipe.hgetall(self._keys.claim(cid))
            rows = pipe.execute()
        return [_claim_from_hash(row) for row in rows if row]

    def get_article(self, article_id: str) -> ArticleRecord | None:
        data = self._redis.hgetall(self._keys.article(article_id))
        if not data:
            return None
        return ArticleRecord(
            article_id=data["article_id"],
            text=data["text"],
            title=data.get("title"),
            url=data.get("url"),
            published_at=datetime.fromisoformat(data["published_at"])
            if data.get("published_at")
            else None,
            external_id=data.get("external_id"),
            newsroom=data.get("newsroom"),
            claim_ids=json.loads(data.get("claim_ids", "[]")),
            skipped_sentences=_skipped_from(data),
            created_at_ms=int(data.get("created_at_ms", "0")),
            completed_stream_id=data.get("completed_stream_id"),
        )

    def mark_checking(self, claim_id: str) -> bool | None:
        """Flag a claim as being checked. None: unknown claim; False: already decided."""
        result = int(self._mark_checking(MarkCheckingCall(claim=self._keys.claim(claim_id))))
        return None if result < 0 else bool(result)

    def count_delivery(self, claim_id: str) -> int:
        """Count one delivery of the claim's job; the total so far (0: unknown claim)."""
        return int(self._count_delivery(CountDeliveryCall(claim=self._keys.claim(claim_id))))


def _skipped_from(data: dict[str, str]) -> list[SkippedSentence]:
    """The skipped sentences of an article hash (stored without their text, sliced back)."""
    text = data["text"]
    return [
        SkippedSentence.model_validate({**x, "text": text[x["start"] : x["end"]]})
        for x in json.loads(data.get("skipped", "[]"))
    ]


def _article_mapping(article: ArticleRecord) -> dict[str, str]:
    mapping = {
        "article_id": article.article_id,
        "text": article.text,
        "claim_ids": json.dumps(article.claim_ids),
        "claim_count": str(article.claim_count),
        "created_at_ms": str(article.created_at_ms),
    }
    if article.skipped_sentences:
        mapping["skipped"] = json.dumps(
            [x.model_dump(exclude={"text"}) for x in article.skipped_sentences]
        )
    for name in ("title", "url", "external_id", "newsroom"):
        value = getattr(article, name)
        if value is not None:
            mapping[name] = value
    if article.published_at is not None:
        mapping["published_at"] = article.published_at.isoformat()
    return mapping
