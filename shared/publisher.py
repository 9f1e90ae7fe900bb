"""Exactly-once publication of verdicts to the Redis stream.

One Lua script (``shared/lua/publish.lua``) does, atomically: refuse if the claim already
has a verdict for this revision, ``XADD`` the verdict (``verdict.updated`` for a re-check,
:mod:`shared.rechecks`), write it to the claim's record, index it under each stored document
its evidence came from, count it for its article and, when it is the article's last claim,
``XADD`` one ``article.completed`` entry.
A task delivered twice, or two workers racing on one claim, therefore publish one verdict
and one completion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import redis

from shared.errors import ClaimNotFoundError, StoreUnavailableError
from shared.keys import Keys
from shared.lua import read_script
from shared.schemas import Verdict
from shared.settings import Settings

_LUA = "shared.lua"


def _script(name: str) -> str:
    """A publisher script: ``complete_if_done.lua`` (the function it calls), then ``name``."""
    return read_script(_LUA, "complete_if_done.lua") + read_script(_LUA, name)


@dataclass(frozen=True)
class PublishResult:
    published: bool
    """False when the claim already had a verdict: nothing was written."""
    stream_id: str
    """The stream id of this claim's (first and only) verdict entry."""
    completed_stream_id: str | None = None
    """Set when this verdict completed its article."""


@dataclass(frozen=True)
class PublisherConfig:
    """The stream verdicts go to, its length cap, and the records' key prefix and TTL."""

    key_prefix: str
    verdict_stream: str
    stream_maxlen: int
    record_ttl_s: int

    @classmethod
    def from_settings(cls, settings: Settings) -> PublisherConfig:
        return cls(
            key_prefix=settings.key_prefix,
            verdict_stream=settings.verdict_stream,
            stream_maxlen=settings.stream_maxlen,
            record_ttl_s=settings.record_ttl_s,
        )


class VerdictPublisher:
    """Publishes verdicts and ``article.completed`` entries, each exactly once."""

    def __init__(self, client: redis.Redis, config: PublisherConfig) -> None:
        self._keys = Keys(config.key_prefix)
        self._stream = config.verdict_stream
        self._maxlen = config.stream_maxlen
        self._ttl = config.record_ttl_s
        self._publish = client.register_script(_script("publish.lua"))
        self._complete = client.register_script(_script("complete.lua"))

    @classmethod
    def from_settings(cls, client: redis.Redis, settings: Settings) -> VerdictPublisher:
        return cls(client, PublisherConfig.from_settings(settings))

    def publish(self, verdict: Verdict, *, failed: bool = False) -> PublishResult:
        """Publish ``verdict`` unless its claim already has one.

        ``failed`` marks a verdict that stands in for a check that could not run.
        """
        article_id = verdict.article_id or ""
        keys = [
            self._keys.claim(verdict.claim_id),
            self._stream,
            self._keys.article(article_id),
            self._keys.article_done(article_id),
            self._keys.article_counts(article_id),
            self._keys.review_queue(verdict.newsroom),
            *(self._keys.cites(doc_id) for doc_id in verdict.cited_documents()),
        ]
        args = [
            verdict.claim_id,
            verdict.model_dump_json(),
            "failed" if failed else "done",
            verdict.label,
            self._maxlen,
            article_id,
            _now(),
            self._ttl,
            review_queue_score(verdict.checkworthiness) if verdict.needs_review else "",
            verdict.revision,
        ]
        try:
            code, stream_id, completed = self._publish(keys=keys, args=args)
        except redis.RedisError as exc:
            raise StoreUnavailableError(f"could not publish verdict: {exc}") from exc
        if int(code) < 0:
            raise ClaimNotFoundError(f"claim {verdict.claim_id} is not in the store")
        return PublishResult(
            published=int(code) == 1,
            stream_id=str(stream_id),
            completed_stream_id=str(completed) if completed else None,
        )

    def complete_if_done(self, article_id: str) -> str | None:
        """Emit ``article.completed`` if every claim is decided (used for empty articles)."""
        keys = [
            self._keys.article(article_id),
            self._keys.article_done(article_id),
            self._keys.article_counts(article_id),
            self._stream,
        ]
        try:
            result = self._complete(keys=keys, args=[article_id, self._maxlen, _now()])
        except redis.RedisError as exc:
            raise StoreUnavailableError(f"could not complete article: {exc}") from exc
        return str(result) if result else None


def review_queue_score(checkworthiness: float | None) -> float:
    """A claim's score in its review queue, lowest first: minus its check-worthiness, so
    the most check-worthy come first (unknown: 1, last); ties go by claim id."""
    return -checkworthiness if checkworthiness is not None else 1.0


def _now() -> str:
    return datetime.now(UTC).isoformat()
