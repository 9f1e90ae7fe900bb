"""Reading the verdict stream without a consumer group: what a plain ``claimcheck watch``
shows.

A view keeps its place in memory only: it starts at the stream's newest entry (or its
oldest, ``from_beginning``), never acknowledges anything and leaves nothing behind in
Redis, so the next plain watch again starts fresh. Readers that must resume where they
stopped, or share entries, use a group (:class:`shared.store.streams.GroupReader`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import redis

from shared.store.streams import StreamEntry, decode_entry, last_id

logger = logging.getLogger(__name__)


class StreamView:
    """Entries of one stream in order, from now on (or from the oldest one kept)."""

    def __init__(
        self,
        client: redis.Redis,
        stream: str,
        *,
        from_beginning: bool = False,
        block_ms: int = 1000,
        count: int = 50,
    ) -> None:
        self._redis = client
        self.stream = stream
        self._block_ms, self._count = block_ms, count
        self._cursor = "0-0" if from_beginning else last_id(client, stream)

    def poll(self, handler: Callable[[StreamEntry], None], *, limit: int | None = None) -> int:
        """Hand the next entries (at most ``limit``, waiting up to ``block_ms`` for one) to
        ``handler``; return how many were read. An entry is passed over once read, even if
        the handler raises; one that does not decode is logged and skipped."""
        count = min(self._count, limit) if limit else self._count
        reply: list[Any] = self._redis.xread(
            {self.stream: self._cursor}, count=count, block=self._block_ms
        )
        rows = list(reply[0][1]) if reply else []
        for stream_id, fields in rows:
            self._cursor = str(stream_id)
            try:
                entry = decode_entry(self._cursor, fields)
            except ValueError as exc:
                logger.warning("skipped: %s", exc)
                continue
            handler(entry)
        return len(rows)
