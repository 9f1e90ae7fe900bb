"""Reading the verdict stream: entry decoding and a consumer-group reader.

:class:`GroupReader` is the one way our programs consume the stream as a group (the CLI's
``claimcheck watch``, the webhook deliverer, dashboards' back ends, scripts); no other
module reads, claims or acknowledges group entries (``tests/test_architecture.py``). Each
:meth:`GroupReader.fetch`:

1. re-reads the entries this consumer received but never acknowledged (after a crash or
   a handler error), when it holds none in hand, then
2. claims entries left pending by *another* consumer for longer than ``claim_idle_ms``
   (it died between reading and acknowledging: ``XAUTOCLAIM``), then
3. reads new entries, blocking up to ``block_ms``.

If the group disappears (Redis lost its data: a ``FLUSHALL``, a restart without
persistence), the reader creates it again (:func:`ensure_group`) instead of failing on
``NOGROUP`` for ever.

An entry fetched is *in hand* until the caller acknowledges it (:meth:`GroupReader.ack`:
handled) or gives it back (:meth:`GroupReader.fail`: it stays pending and is read again,
after a back-off). The caller may do that at once, as :meth:`GroupReader.poll` does for a
handler, or later, from another thread, as the deliverer's lanes do; meanwhile
:meth:`GroupReader.keep_pending` extends the lease of what is in hand, so that no other
consumer claims it. An entry delivered more than ``max_deliveries`` times (a handler that
keeps failing on it, or a consumer that keeps dying on it) is moved to the dead-letter
stream with the reason, atomically with its acknowledgement, and never handed out again;
so is an entry that does not decode.

The SSE endpoint does not use a group: every browser sees every entry and resumes from
its own ``Last-Event-ID`` with plain ``XREAD``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, get_args

import redis

from shared.schemas import ArticleCompleted, EntryType, Verdict, VerdictReviewed

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
    :meth:`fetch` runs on one thread; :meth:`ack`, :meth:`fail`, :meth:`release` and
    :meth:`keep_pending` may be called from any.
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
        self.retry_base_s = retry_base_s
        self._start_id = start_id
        self._lock = threading.Lock()  # guards what follows: acks come from other threads
        self._in_hand: dict[str, int] = {}  # id -> deliveries, until acked or given back
        self._errors: dict[str, str] = {}
        self._failures = 0
        self._retry_pending_at = 0.0
        self.ensure_group()

    def ensure_group(self) -> None:
        """Create the group at ``start_id`` unless it exists."""
        ensure_group(self._redis, self.stream, self.group, self._start_id)

    @property
    def in_hand(self) -> frozenset[str]:
        """The ids fetched and neither acknowledged nor given back yet."""
        with self._lock:
            return frozenset(self._in_hand)

    # ---- handing entries out ---------------------------------------------------------------

    def poll(self, handler: Callable[[StreamEntry], None], *, limit: int | None = None) -> int:
        """Handle one batch of at most ``limit`` entries (:meth:`fetch`); return how many
        the handler completed. Each entry is acknowledged once the handler returned; a
        handler error is logged and leaves that entry pending for a later poll (:meth:`fail`);
        the rest of the batch still runs. A group that is gone (``NOGROUP``) is created
        again and the poll handles nothing."""
        entries = self.fetch(limit)
        handled = 0
        for done, entry in enumerate(entries):
            try:
                try:
                    handler(entry)
                except Exception as exc:  # the entry stays pending; retried later
                    self.fail(entry.stream_id, f"{type(exc).__name__}: {exc}")
                    continue
                self.ack(entry.stream_id)
            except BaseException:  # the handler stops us: the rest stay pending, unhandled
                self.release(e.stream_id for e in entries[done:])
                raise
            handled += 1
        return handled

    def fetch(self, limit: int | None = None, *, block_ms: int | None = None) -> list[StreamEntry]:
        """The next batch of at most ``limit`` entries (own pending, else claimed, else new,
        waiting up to ``block_ms`` for new ones), each in hand until :meth:`ack` or
        :meth:`fail`. Entries delivered too often, or that do not decode, are dead-lettered
        instead; entries trimmed away while pending are acknowledged. A group that is gone
        (``NOGROUP``) is created again and nothing is fetched."""
        count = min(self._count, limit) if limit else self._count
        try:
            return self._fetch(count, self._block_ms if block_ms is None else block_ms)
        except redis.ResponseError as exc:
            if not is_missing_group(exc):
                raise
            self._group_lost(exc)
            return []

    def _fetch(self, count: int, block_ms: int) -> list[StreamEntry]:
        # after a failure, own pending entries wait (backing off) before the next try, so
        # that a short outage of what the handler needs does not use up their deliveries;
        # and they are read again only while none is in hand (which they may be)
        with self._lock:
            retry_now = not self._in_hand and time.monotonic() >= self._retry_pending_at
        rows = self._read("0", None, count) if retry_now else []
        if not rows:
            rows = self._claim_stuck(count)
        deliveries = self._deliveries(rows) if rows else {}
        if not rows:
            rows = self._read(">", block_ms, count)
        entries: list[StreamEntry] = []
        try:
            for raw_id, fields in rows:
                entry = self._take(str(raw_id), fields, deliveries)
                if entry is not None:
                    entries.append(entry)
        except BaseException:  # Redis failed mid-batch: what was taken stays pending
            self.release(e.stream_id for e in entries)
            raise
        return entries

    def _take(
        self, stream_id: str, fields: dict[str, str] | None, deliveries: dict[str, int]
    ) -> StreamEntry | None:
        """One row read: the entry, now in hand; or None (in hand already, trimmed away, or
        dead-lettered)."""
        with self._lock:
            if stream_id in self._in_hand:  # claimed back while we still work on it
                return None
        if not fields:  # trimmed away while pending: nothing left to handle
            self._redis.xack(self.stream, self.group, stream_id)
            return None
        times = deliveries.get(stream_id, 1)
        if times > self._max_deliveries:
            with self._lock:
                last = self._errors.get(stream_id, "no acknowledgement (a consumer died?)")
            reason = f"delivered {times} times (max {self._max_deliveries}); last: {last}"
            self._dead_letter(stream_id, fields, reason)
            return None
        try:
            entry = decode_entry(stream_id, fields)
        except ValueError as exc:
            self._dead_letter(stream_id, fields, str(exc))
            return None
        with self._lock:
            self._in_hand[stream_id] = times
        return entry

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
        pipe = self._redis.pipeline(transaction=False)
        for stream_id, _fields in rows:  # one by one: others of ours may lie between them
            pipe.xpending_range(
                self.stream, self.group, min=stream_id, max=stream_id, count=1,
                consumername=self.consumer,
            )  # fmt: skip
        return {
            str(p["message_id"]): int(p["times_delivered"])
            for reply in pipe.execute()
            for p in reply
        }

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
        with self._lock:
            self._errors.pop(stream_id, None)
        logger.warning("moved %s to %s: %s", stream_id, self.dead_letter_stream, reason)

    def _group_lost(self, exc: BaseException) -> None:
        logger.warning("%s/%s is gone (%s); creating it again", self.stream, self.group, exc)
        self.ensure_group()
        self._claim_cursor = "0-0"

    # ---- what the caller says of an entry in hand ----------------------------------------

    def ack(self, stream_id: str) -> None:
        """``stream_id`` was handled: acknowledge it. It is out of hand even if Redis fails
        (then it stays pending, and is read again or claimed after ``claim_idle_ms``)."""
        try:
            self._redis.xack(self.stream, self.group, stream_id)
        finally:
            with self._lock:
                self._in_hand.pop(stream_id, None)
        with self._lock:
            self._errors.pop(stream_id, None)
            self._failures = 0

    def fail(self, stream_id: str, error: str) -> None:
        """``stream_id`` could not be handled (``error`` says why; a dead letter quotes the
        last one): it stays pending, and this consumer reads it again once the back-off after
        its failures ends (or another claims it after ``claim_idle_ms``)."""
        with self._lock:
            times = self._in_hand.pop(stream_id, 0)
            self._errors[stream_id] = error
            self._failures += 1
            delay = min(30.0, self.retry_base_s * 2 ** min(self._failures - 1, 8))
            self._retry_pending_at = time.monotonic() + delay
        logger.warning("could not handle %s (delivery %d): %s", stream_id, times, error)

    def release(self, stream_ids: Iterable[str]) -> None:
        """Give entries back unhandled and without a failure (the caller stops, or never
        got to them): they stay pending, read again like a failed one."""
        with self._lock:
            for stream_id in stream_ids:
                self._in_hand.pop(stream_id, None)

    def keep_pending(self) -> None:
        """Extend the lease of every entry in hand (:func:`keep_pending`): call it more
        often than ``claim_idle_ms`` while they take long, so that no other consumer of the
        group claims them."""
        with self._lock:
            ids = list(self._in_hand)
        if not ids:
            return
        try:
            keep_pending(self._redis, self.stream, self.group, self.consumer, ids)
        except redis.ResponseError as exc:
            if not is_missing_group(exc):
                raise
            self._group_lost(exc)
