"""Reading the verdict stream: entry decoding and a consumer-group reader.

:class:`GroupReader` is the one way our programs consume the stream as a group (the CLI's
``claimcheck watch``, dashboards' back ends, scripts). Each :meth:`GroupReader.poll`:

1. re-reads the entries this consumer received but never acknowledged (after a crash or
   a handler error), then
2. claims entries left pending by *another* consumer for longer than ``claim_idle_ms``
   (it died between reading and acknowledging: ``XAUTOCLAIM``), then
3. reads new entries, blocking up to ``block_ms``.

If the group disappears (Redis lost its data: a ``FLUSHALL``, a restart without
persistence), ``poll`` creates it again (:func:`ensure_group`) instead of failing on
``NOGROUP`` for ever.

An entry is acknowledged only after the handler returned without raising. An entry
delivered more than ``max_deliveries`` times (a handler that keeps failing on it, or a
consumer that keeps dying on it) is moved to the dead-letter stream with the reason,
atomically with its acknowledgement, and never handed to the handler again.

The SSE endpoint does not use a group: every browser sees every entry and resumes from
its own ``Last-Event-ID`` with plain ``XREAD``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, get_args

import redis

from shared.schemas import ArticleCompleted, EntryType, Verdict, VerdictReviewed
from shared.settings import Settings

logger = logging.getLogger(__name__)

Row = tuple[str, dict[str, str] | None]


ENTRY_TYPES: tuple[EntryType, ...] = get_args(EntryType)
"""The entry types the stream carries: ``verdict`` (a claim was checked),
``article.completed`` (every claim of an article was), ``verdict.reviewed`` (an editor
ruled on a verdict) and ``verdict.updated`` (a claim checked again after a document its
evidence came from changed: a verdict with ``revision`` and ``previous_label``).
Consumers skip types they do not know, so new ones can be added."""


@dataclass(frozen=True)
class StreamEntry:
    """One decoded entry of the verdict stream (``type`` is one of :data:`ENTRY_TYPES`,
    or a newer one)."""

    stream_id: str
    type: str
    data: dict[str, Any]

    def verdict(self) -> Verdict:
        return Verdict.model_validate(self.data)

    def article_completed(self) -> ArticleCompleted:
        return ArticleCompleted.model_validate(self.data)

    def verdict_reviewed(self) -> VerdictReviewed:
        """The data of a ``verdict.reviewed`` entry: an editor's ruling on a verdict."""
        return VerdictReviewed.model_validate(self.data)


def decode_entry(stream_id: str, fields: dict[str, str]) -> StreamEntry:
    """Decode the raw fields of a stream entry; unknown or broken data raises ValueError."""
    try:
        data = json.loads(fields["data"])
        if not isinstance(data, dict):
            raise TypeError("data is not a JSON object")
        return StreamEntry(stream_id=stream_id, type=fields["type"], data=data)
    except (KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"malformed stream entry {stream_id}: {exc}") from exc


def last_id(client: redis.Redis, stream: str) -> str:
    """The id of the newest entry, or ``0-0`` for an empty or missing stream."""
    newest = client.xrevrange(stream, count=1)
    return str(newest[0][0]) if newest else "0-0"


def stream_id_ms(stream_id: str) -> int:
    """The millisecond timestamp part of a stream id (when Redis added the entry)."""
    return int(stream_id.split("-", 1)[0])


def ensure_group(client: redis.Redis, stream: str, group: str, start_id: str) -> None:
    """Create the consumer group (and the stream) at ``start_id`` unless it exists."""
    try:
        client.xgroup_create(stream, group, id=start_id, mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def is_missing_group(exc: BaseException) -> bool:
    """Whether ``exc`` is Redis's ``NOGROUP`` (the stream or its group is gone)."""
    return isinstance(exc, redis.ResponseError) and str(exc).startswith("NOGROUP")


def keep_pending(
    client: redis.Redis, stream: str, group: str, consumer: str, ids: list[str]
) -> None:
    """Reset the idle time of entries ``consumer`` still works on (``XCLAIM ... JUSTID``,
    which counts no delivery): an ``XAUTOCLAIM`` elsewhere, which takes entries idle for
    longer than a lease, leaves them alone. Acknowledged ids are ignored by Redis."""
    for start in range(0, len(ids), 500):
        client.xclaim(
            stream, group, consumer, min_idle_time=0, message_ids=ids[start : start + 500],
            justid=True,
        )  # fmt: skip


class GroupReader:
    """A consumer in a Redis consumer group on one stream (see the module's docstring).

    The group is created (with the stream) if missing, starting at ``start_id``
    (``$``: only entries added from now on; ``0``: everything the stream still holds).
    """

    def __init__(
        self,
        client: redis.Redis,
        stream: str,
        group: str,
        consumer: str,
        *,
        start_id: str = "$",
        block_ms: int = 1000,
        count: int = 50,
        claim_idle_ms: int = 60_000,
        max_deliveries: int = 5,
        dead_letter_stream: str | None = None,
        dead_letter_maxlen: int = 100_000,
        retry_base_s: float = 0.5,
    ) -> None:
        self._redis = client
        self.stream, self.group, self.consumer = stream, group, consumer
        self.dead_letter_stream = dead_letter_stream or f"{stream}:dead"
        self._block_ms, self._count = block_ms, count
        self._claim_idle_ms, self._max_deliveries = claim_idle_ms, max_deliveries
        self._dead_maxlen = dead_letter_maxlen
        self._claim_cursor = "0-0"
        self._next_claim_at = 0.0
        self._errors: dict[str, str] = {}
        self.retry_base_s = retry_base_s
        self._failures = 0
        self._retry_pending_at = 0.0
        self._start_id = start_id
        ensure_group(client, stream, group, start_id)

    @classmethod
    def from_settings(
        cls,
        client: redis.Redis,
        settings: Settings,
        group: str,
        consumer: str,
        *,
        start_id: str = "$",
        block_ms: int = 1000,
    ) -> GroupReader:
        """A reader on ``settings.verdict_stream`` with the stream settings applied."""
        return cls(
            client,
            settings.verdict_stream,
            group,
            consumer,
            start_id=start_id,
            block_ms=block_ms,
            claim_idle_ms=settings.stream_claim_idle_ms,
            max_deliveries=settings.stream_max_deliveries,
            dead_letter_stream=settings.effective_dead_letter_stream,
            dead_letter_maxlen=settings.stream_maxlen,
        )

    def _read(self, cursor: str, block: int | None, count: int) -> list[Row]:
        batch = self._redis.xreadgroup(
            self.group, self.consumer, {self.stream: cursor}, count=count, block=block
        )
        return list(batch[0][1]) if batch else []

    def _claim_stuck(self, count: int) -> list[Row]:
        """Entries another consumer read but left unacknowledged for too long."""
        now = time.monotonic()
        if now < self._next_claim_at:
            return []
        self._next_claim_at = now + max(self._claim_idle_ms / 2000, 0.05)
        reply = self._redis.xautoclaim(
            self.stream,
            self.group,
            self.consumer,
            min_idle_time=self._claim_idle_ms,
            start_id=self._claim_cursor,
            count=count,
        )
        self._claim_cursor = str(reply[0])
        rows: list[Row] = list(reply[1])
        if rows:
            logger.info("claimed %d stuck entries of %s/%s", len(rows), self.stream, self.group)
        return rows

    def _deliveries(self, rows: list[Row]) -> dict[str, int]:
        """How often each of these entries (all pending for this consumer) was delivered."""
        pending = self._redis.xpending_range(
            self.stream,
            self.group,
            min=rows[0][0],
            max=rows[-1][0],
            count=len(rows),
            consumername=self.consumer,
        )
        return {str(p["message_id"]): int(p["times_delivered"]) for p in pending}

    def _dead_letter(self, stream_id: str, fields: dict[str, str], reason: str) -> None:
        entry = {
            "type": fields.get("type", ""),
            "data": fields.get("data", ""),
            "stream_id": stream_id,
            "group": self.group,
            "consumer": self.consumer,
            "reason": reason,
            "dead_at": datetime.now(UTC).isoformat(),
        }
        pipe = self._redis.pipeline(transaction=True)
        pipe.xadd(self.dead_letter_stream, entry, maxlen=self._dead_maxlen, approximate=True)
        pipe.xack(self.stream, self.group, stream_id)
        pipe.execute()
        self._errors.pop(stream_id, None)
        logger.warning("moved %s to %s: %s", stream_id, self.dead_letter_stream, reason)

    def poll(self, handler: Callable[[StreamEntry], None], *, limit: int | None = None) -> int:
        """Handle one batch of at most ``limit`` entries (own pending, else claimed, else
        new ones); return how many the handler completed. A handler error is logged and
        leaves that entry pending for the next poll; the rest of the batch still runs.
        A group that is gone (``NOGROUP``) is created again and the poll handles nothing."""
        try:
            return self._poll(handler, limit)
        except redis.ResponseError as exc:
            if not is_missing_group(exc):
                raise
            logger.warning("%s/%s is gone (%s); creating it again", self.stream, self.group, exc)
            ensure_group(self._redis, self.stream, self.group, self._start_id)
            self._claim_cursor = "0-0"
            return 0

    def _poll(self, handler: Callable[[StreamEntry], None], limit: int | None) -> int:
        count = min(self._count, limit) if limit else self._count
        # after a handler error, own pending entries wait (backing off) before the next try,
        # so that a short outage of what the handler needs does not use up their deliveries
        retry_now = time.monotonic() >= self._retry_pending_at
        rows = self._read("0", None, count) if retry_now else []
        if not rows:
            rows = self._claim_stuck(count)
        deliveries = self._deliveries(rows) if rows else {}
        if not rows:
            rows = self._read(">", self._block_ms, count)
        handled = 0
        for stream_id, fields in rows:
            if not fields:  # trimmed away while pending: nothing left to handle
                self._redis.xack(self.stream, self.group, stream_id)
                continue
            times = deliveries.get(stream_id, 1)
            if times > self._max_deliveries:
                last = self._errors.get(stream_id, "no acknowledgement (a consumer died?)")
                reason = f"delivered {times} times (max {self._max_deliveries}); last: {last}"
                self._dead_letter(stream_id, fields, reason)
                continue
            try:
                entry = decode_entry(stream_id, fields)
            except ValueError as exc:
                self._dead_letter(stream_id, fields, str(exc))
                continue
            try:
                handler(entry)
            except Exception as exc:  # the entry stays pending; retried on the next poll
                self._errors[stream_id] = f"{type(exc).__name__}: {exc}"
                logger.warning("handler failed on %s (delivery %d): %s", stream_id, times, exc)
                self._failures += 1
                delay = min(30.0, self.retry_base_s * 2 ** min(self._failures - 1, 8))
                self._retry_pending_at = time.monotonic() + delay
                continue
            self._redis.xack(self.stream, self.group, stream_id)
            self._errors.pop(stream_id, None)
            self._failures = 0
            handled += 1
        return handled
