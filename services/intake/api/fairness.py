"""Sharing the intake's CPU between newsrooms.

Reading a text (spaCy, the check-worthiness model) is the intake's expensive step, and it
runs in the server's thread pool. Without a bound, one newsroom posting long articles in
parallel takes every thread and the CPU, and another newsroom's one-sentence claim waits
behind them. :class:`ExtractionGate` lets each newsroom have at most
``CLAIMCHECK_EXTRACTION_PER_NEWSROOM`` submissions in the thread pool at a time per
process. Its further requests wait for their turn on the event loop, holding no thread
(within the request deadline, then 429), so other newsrooms go ahead.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from services.intake.api.ratelimit import RateLimited


class ExtractionGate:
    """At most ``per_newsroom`` submissions of one newsroom being read at the same time."""

    def __init__(self, per_newsroom: int, *, wait_s: float) -> None:
        self._per_newsroom = per_newsroom
        self._wait_s = wait_s
        self._slots: dict[str, asyncio.Semaphore] = {}

    @contextlib.asynccontextmanager
    async def turn(self, newsroom: str | None) -> AsyncIterator[None]:
        """Wait (on the event loop) for one of the newsroom's slots; none needed with
        authentication off. Raises :class:`RateLimited` when no slot frees up in time."""
        if newsroom is None:
            yield
            return
        semaphore = self._slots.setdefault(newsroom, asyncio.Semaphore(self._per_newsroom))
        try:
            await asyncio.wait_for(semaphore.acquire(), timeout=self._wait_s)
        except TimeoutError:
            raise RateLimited(
                f"this newsroom already has {self._per_newsroom} text(s) being read; "
                "retry in a few seconds",
                limit="extraction",
                retry_after_s=2,
            ) from None
        try:
            yield
        finally:
            semaphore.release()
