"""Lanes: one queue of work per key (a webhook endpoint), run in order, lanes side by side.

The deliverer gives every delivery to the lane of its endpoint. A lane's items run one
after another, in the order given (so an endpoint gets its entries in stream order, one
request at a time); different lanes run at once on a bounded pool of threads, so an
endpoint that hangs holds its own lane and nobody else's. A lane that has run
:data:`FAIR_SHARE` items in a row while others wait for a thread goes to the back of the
line. A lane holding ``depth`` items takes no more (:meth:`Lanes.submit` answers False):
the caller decides what to do with the item instead.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Final, Generic, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
FAIR_SHARE: Final = 20


class Lanes(Generic[T]):
    """Run ``work`` on each submitted item, in order per key, keys side by side."""

    def __init__(self, work: Callable[[T], None], *, threads: int, depth: int) -> None:
        self._work = work
        self._depth = depth
        self._queues: dict[str, deque[T]] = {}
        self._changed = threading.Condition()
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="webhook-lane")
        self._stopped = False

    def submit(self, key: str, item: T) -> bool:
        """Queue ``item`` on ``key``'s lane; False (and nothing queued) when it is full."""
        with self._changed:
            if self._stopped:
                return False
            queue = self._queues.get(key)
            if queue is None:
                self._queues[key] = deque([item])
                self._pool.submit(self._drain, key)
            elif len(queue) < self._depth:
                queue.append(item)
            else:
                return False
        return True

    def _drain(self, key: str) -> None:
        for _ in range(FAIR_SHARE):
            with self._changed:
                queue = self._queues[key]
                if not queue or self._stopped:
                    del self._queues[key]
                    self._changed.notify_all()
                    return
                item = queue.popleft()
            try:
                self._work(item)
            except Exception:  # work handles its own failures: this is a bug, not an outage
                logger.exception("webhooks: a delivery failed unexpectedly")
        with self._changed:  # others may be waiting for a thread: to the back of the line
            if self._stopped:
                del self._queues[key]
                self._changed.notify_all()
            else:
                self._pool.submit(self._drain, key)

    @property
    def closed(self) -> bool:
        with self._changed:
            return self._stopped

    def busy(self) -> bool:
        """Whether any lane has work (queued or running)."""
        with self._changed:
            return bool(self._queues)

    def wait_idle(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for every lane to be done; whether they are."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._queues, timeout)

    def close(self) -> None:
        """Drop what is queued, let the items running finish, stop the threads."""
        with self._changed:
            self._stopped = True
            for queue in self._queues.values():
                queue.clear()
        self._pool.shutdown(wait=True)
