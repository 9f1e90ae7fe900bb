"""Reading the verdict stream: entry decoding and a consumer-group reader.

A :class:`GroupReader` first re-reads the entries this consumer received but never
acknowledged (after a crash), then new entries; an entry is acknowledged only after
the handler returned without raising.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis

from shared.schemas import ArticleCompleted, Verdict


@dataclass(frozen=True)
class StreamEntry:
    """One decoded entry of the verdict stream."""

    stream_id: str
    type: str
    data: dict[str, Any]

    def verdict(self) -> Verdict:
        return Verdict.model_validate(self.data)

    def article_completed(self) -> ArticleCompleted:
        return ArticleCompleted.model_validate(self.data)


def decode_entry(stream_id: str, fields: dict[str, str]) -> StreamEntry:
    """Decode the raw fields of a stream entry; unknown or broken data raises ValueError."""
    try:
        data = json.loads(fields["data"])
        return StreamEntry(stream_id=stream_id, type=fields["type"], data=data)
    except (KeyError, json.JSONDecodeError) as exc:
        raise ValueError(f"malformed stream entry {stream_id}: {exc}") from exc


def last_id(client: redis.Redis, stream: str) -> str:
    """The id of the newest entry, or ``0-0`` for an empty or missing stream."""
    newest = client.xrevrange(stream, count=1)
    return str(newest[0][0]) if newest else "0-0"


class GroupReader:
    """A consumer in a Redis consumer group on one stream."""

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
    ) -> None:
        self._redis = client
        self.stream, self.group, self.consumer = stream, group, consumer
        self._block_ms, self._count = block_ms, count
        self._ensure_group(start_id)

    def _ensure_group(self, start_id: str) -> None:
        try:
            self._redis.xgroup_create(self.stream, self.group, id=start_id, mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _read(self, cursor: str, block: int | None) -> list[tuple[str, dict[str, str]]]:
        batch = self._redis.xreadgroup(
            self.group, self.consumer, {self.stream: cursor}, count=self._count, block=block
        )
        return list(batch[0][1]) if batch else []

    def poll(self, handler: Callable[[StreamEntry], None]) -> int:
        """Handle this consumer's pending entries, then one batch of new ones; ack each."""
        handled = 0
        pending = self._read("0", None)
        rows = pending if pending else self._read(">", self._block_ms)
        for stream_id, fields in rows:
            if not fields:  # trimmed away while pending: nothing left to handle
                self._redis.xack(self.stream, self.group, stream_id)
                continue
            handler(decode_entry(stream_id, fields))
            self._redis.xack(self.stream, self.group, stream_id)
            handled += 1
        return handled
