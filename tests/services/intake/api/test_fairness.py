"""One newsroom's texts are read one at a time; another newsroom does not wait for them."""

from __future__ import annotations

import threading
import time

import pytest

from services.intake.api.fairness import ExtractionGate
from services.intake.api.ratelimit import RateLimited


def test_a_newsroom_holds_at_most_its_slots_and_others_go_ahead() -> None:
    gate = ExtractionGate(1, wait_s=0.2)
    inside = threading.Event()
    leave = threading.Event()

    def long_article() -> None:
        with gate.slot("planet"):
            inside.set()
            leave.wait(5)

    reader = threading.Thread(target=long_article)
    reader.start()
    try:
        assert inside.wait(5)
        started = time.monotonic()
        with gate.slot("star"):  # another newsroom: at once
            assert time.monotonic() - started < 0.1
        with pytest.raises(RateLimited) as info, gate.slot("planet"):
            pass
        assert info.value.limit == "extraction" and info.value.retry_after_s >= 1
        with gate.slot(None):  # authentication off: no gate
            pass
    finally:
        leave.set()
        reader.join(5)
    with gate.slot("planet"):  # the slot came back
        pass
