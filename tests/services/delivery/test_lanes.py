"""Lanes: in order per key, keys side by side, a full lane refuses more."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from services.delivery.lanes import FAIR_SHARE, Lanes
from tests.services.delivery.conftest import wait_for

pytestmark = pytest.mark.timeout(30)


class Work:
    """Records what ran; an item ``("hold", n)`` waits until the test releases it."""

    def __init__(self) -> None:
        self.done: list[tuple[str, int]] = []
        self.release = threading.Event()
        self.holding = threading.Event()

    def __call__(self, item: tuple[str, int]) -> None:
        if item[0] == "hold":
            self.holding.set()
            assert self.release.wait(20)
        self.done.append(item)


@pytest.fixture
def work() -> Iterator[Work]:
    made = Work()
    yield made
    made.release.set()


def test_a_keys_items_run_in_order(work: Work) -> None:
    lanes: Lanes[tuple[str, int]] = Lanes(work, threads=4, depth=100)
    items = [("a", i) for i in range(3 * FAIR_SHARE)]  # past a fair share: back in line
    for item in items:
        assert lanes.submit("a", item)
    assert lanes.wait_idle(10)
    assert work.done == items and not lanes.busy()
    lanes.close()


def test_a_held_lane_holds_nobody_else(work: Work) -> None:
    lanes: Lanes[tuple[str, int]] = Lanes(work, threads=4, depth=100)
    lanes.submit("slow", ("hold", 0))
    lanes.submit("slow", ("slow", 1))
    wait_for(work.holding.is_set, 10, "the slow lane's first item runs")
    for i in range(5):
        lanes.submit("fast", ("fast", i))
    wait_for(lambda: len(work.done) == 5, 10, "the other lane's items")
    assert work.done == [("fast", i) for i in range(5)] and lanes.busy()
    work.release.set()
    assert lanes.wait_idle(10)
    assert work.done[-2:] == [("hold", 0), ("slow", 1)]
    lanes.close()


def test_a_full_lane_takes_no_more_and_close_drops_what_waits(work: Work) -> None:
    lanes: Lanes[tuple[str, int]] = Lanes(work, threads=2, depth=2)
    assert lanes.submit("a", ("hold", 0))
    wait_for(work.holding.is_set, 10, "the first item runs")
    assert lanes.submit("a", ("a", 1)) and lanes.submit("a", ("a", 2))
    assert not lanes.submit("a", ("a", 3))  # two wait already
    assert lanes.submit("b", ("b", 0))  # another lane is not full
    closing = threading.Thread(target=lanes.close)
    wait_for(lambda: ("b", 0) in work.done, 10, "lane b's item")
    closing.start()
    wait_for(lambda: lanes.closed, 10, "close() began")
    work.release.set()  # the running item finishes; the two waiting are dropped
    closing.join(10)
    assert not closing.is_alive()
    assert ("hold", 0) in work.done and ("a", 1) not in work.done
    assert not lanes.submit("a", ("a", 4))  # closed
