"""Sharing the intake's CPU between newsrooms.

Reading a text (spaCy, the check-worthiness model) is the intake's expensive step, and it
runs in the server's thread pool. Without a bound, one newsroom posting long articles in
parallel takes every thread and the CPU, and another newsroom's one-sentence claim waits
behind them. :class:`ExtractionGate` lets each newsroom read at most
``CLAIMCHECK_EXTRACTION_PER_NEWSROOM`` texts at a time per process; its further requests
wait their turn (within the request deadline), and other newsrooms go ahead.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from services.intake.api.ratelimit import RateLimited


class ExtractionGate:
    """At most ``per_newsroom`` texts of one newsroom read at the same time."""

    def __init__(self, per_newsroom: int, *, wait_s: float) -> None:
        self._per_newsroom = per_newsroom
        self._wait_s = wait_s
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}

    def _semaphore(self, newsroom: str) -> threading.BoundedSemaphore:
        with self._lock:
            found = self._slots.get(newsroom)
            if found is None:
                found = self._slots[newsroom] = threading.BoundedSemaphore(self._per_newsroom)
            return found

    @contextlib.contextmanager
    def slot(self, newsroom: str | None) -> Iterator[None]:
        """Hold one of the newsroom's reading slots (none needed with auth off).

        Raises :class:`RateLimited` when no slot frees up within the wait.
        """
        if newsroom is None:
            yield
            return
        semaphore = self._semaphore(newsroom)
        if not semaphore.acquire(timeout=self._wait_s):
            raise RateLimited(
                f"this newsroom already has {self._per_newsroom} text(s) being read; "
                "retry in a few seconds",
                limit="extraction",
                retry_after_s=2,
            )
        try:
            yield
        finally:
            semaphore.release()
