"""A monotonic clock the test moves, for the retrier and the sources behind it."""

from __future__ import annotations


class Clock:
    """Reads ``now`` when called; ``sleep`` records the wait and moves the clock by it."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
