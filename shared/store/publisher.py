"""Exactly-once publication of verdicts to the Redis stream.

One Lua script (``shared/store/lua/publish.lua``) does, atomically: refuse if the claim already
has a verdict for this revision, ``XADD`` the verdict (``verdict.updated`` for a re-check,
:mod:`shared.newsroom.rechecks`), write it to the claim's record, index it under each stored
document
its evidence came from, count it for its article and, when it is the article's last claim,
``XADD`` one ``article.completed`` entry.
A task delivered twice, or two workers racing on one claim, therefore publish one verdict
and one completion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, ClassVar

import redis

from shared.errors import ClaimNotFoundError
from shared.schemas import Verdict
from shared.store.client import store_errors
from shared.store.keys import Keys
from shared.store.lua import ARG, KEY, KEYS, Script, ScriptCall

_LUA = "shared.store.lua"
_PRELUDE = ("complete_if_done.lua",)
"""What the publisher's scripts are prefixed with: the function they call."""


@dataclass(frozen=True, kw_only=True)
class PublishCall(ScriptCall):
    """``publish.lua``: a verdict, its claim's record, its article and its citations."""

    SCRIPT: ClassVar[tuple[str, str]] = (_LUA, "publish.lua")
    claim: Annotated[str, KEY]
    stream: Annotated[str, KEY]
    article: Annotated[str, KEY]
    article_done: Annotated[str, KEY]
    article_counts: Annotated[str, KEY]
    review_queue: Annotated[str, KEY]
    cites: Annotated[Sequence[str], KEYS]
    claim_id: Annotated[str, ARG]
    verdict_json: Annotated[str, ARG]
    status: Annotated[str, ARG]
    label: Annotated[str, ARG]
    maxlen: Annotated[int, ARG]
    article_id: Annotated[str, ARG]
    """``""``: a lone claim."""
    completed_at: Annotated[str, ARG]
    ttl: Annotated[int, ARG]
    review_score: Annotated[float | str, ARG]
    """The claim's place in its newsroom's review queue; ``""`` when it needs no review."""
    revision: Annotated[int, ARG]


@dataclass(frozen=True, kw_only=True)
class CompleteCall(ScriptCall):
    """``complete.lua``: ``article.completed`` once every claim of the article is decided."""

    SCRIPT: ClassVar[tuple[str, str]] = (_LUA, "complete.lua")
    article: Annotated[str, KEY]
    article_done: Annotated[str, KEY]
    article_counts: Annotated[str, KEY]
    stream: Annotated[str, KEY]
    article_id: Annotated[str, ARG]
    maxlen: Annotated[int, ARG]
    completed_at: Annotated[str, ARG]


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


class VerdictPublisher:
    """Publishes verdicts and ``article.completed`` entries, each exactly once."""

    def __init__(self, client: redis.Redis, config: PublisherConfig) -> None:
        self._keys = Keys(config.key_prefix)
        self._stream = config.verdict_stream
        self._maxlen = config.stream_maxlen
        self._ttl = config.record_ttl_s
        self._publish = Script(client, PublishCall, prelude=_PRELUDE)
        self._complete = Script(client, CompleteCall, prelude=_PRELUDE)

    def publish(self, verdict: Verdict, *, failed: bool = False) -> PublishResult:
        """Publish ``verdict`` unless its claim already has one.

        ``failed`` marks a verdict that stands in for a check that could not run.
        """
        article_id = verdict.article_id or ""
        call = PublishCall(
            claim=self._keys.claim(verdict.claim_id),
            stream=self._stream,
            article=self._keys.article(article_id),
            article_done=self._keys.article_done(article_id),
            article_counts=self._keys.article_counts(article_id),
            review_queue=self._keys.review_queue(verdict.newsroom),
            cites=[self._keys.cites(doc_id) for doc_id in verdict.cited_documents()],
            claim_id=verdict.claim_id,
            verdict_json=verdict.model_dump_json(),
            status="failed" if failed else "done",
            label=verdict.label,
            maxlen=self._maxlen,
            article_id=article_id,
            completed_at=_now(),
            ttl=self._ttl,
            review_score=(
                review_queue_score(verdict.checkworthiness) if verdict.needs_review else ""
            ),
            revision=verdict.revision,
        )
        with store_errors("publish verdict"):
            code, stream_id, completed = self._publish(call)
        if int(code) < 0:
            raise ClaimNotFoundError(f"claim {verdict.claim_id} is not in the store")
        return PublishResult(
            published=int(code) == 1,
            stream_id=str(stream_id),
            completed_stream_id=str(completed) if completed else None,
        )

    def complete_if_done(self, article_id: str) -> str | None:
        """Emit ``article.completed`` if every claim is decided (used for empty articles)."""
        call = CompleteCall(
            article=self._keys.article(article_id),
            article_done=self._keys.article_done(article_id),
            article_counts=self._keys.article_counts(article_id),
            stream=self._stream,
            article_id=article_id,
            maxlen=self._maxlen,
            completed_at=_now(),
        )
        with store_errors("complete article"):
            result = self._complete(call)
        return str(result) if result else None


def review_queue_score(checkworthiness: float | None) -> float:
    """A claim's score in its review queue, lowest first: minus its check-worthiness, so
    the most check-worthy come first (unknown: 1, last); ties go by claim id."""
    return -checkworthiness if checkworthiness is not None else 1.0


def _now() -> str:
    return datetime.now(UTC).isoformat()
