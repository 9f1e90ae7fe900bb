"""One newsroom's texts are read one at a time; another newsroom does not wait for them,
and the waiting ones hold no thread of the server's pool."""

from __future__ import annotations

import asyncio

import pytest

from services.intake.api.fairness import ExtractionGate
from services.intake.api.ratelimit import RateLimited


def test_a_newsroom_holds_at_most_its_slots_and_others_go_ahead() -> None:
    async def scenario() -> None:
        gate = ExtractionGate(1, wait_s=0.2)
        inside, leave = asyncio.Event(), asyncio.Event()

        async def long_article() -> None:
            async with gate.turn("planet"):
                inside.set()
                await leave.wait()

        reader = asyncio.create_task(long_article())
        await asyncio.wait_for(inside.wait(), 5)
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with gate.turn("star"):  # another newsroom: at once
            assert loop.time() - started < 0.1
        with pytest.raises(RateLimited) as info:
            async with gate.turn("planet"):
                pass
        assert info.value.limit == "extraction" and info.value.retry_after_s >= 1
        async with gate.turn(None):  # authentication off: no gate
            pass
        leave.set()
        await reader
        async with gate.turn("planet"):  # the slot came back
            pass

    asyncio.run(scenario())


def test_waiting_turns_are_served_in_order_without_threads() -> None:
    async def scenario() -> list[int]:
        gate = ExtractionGate(1, wait_s=5)
        served: list[int] = []

        async def submission(i: int) -> None:
            async with gate.turn("planet"):
                served.append(i)
                await asyncio.sleep(0.01)

        await asyncio.gather(*(submission(i) for i in range(50)))  # 50 waiters, no thread
        return served

    assert asyncio.run(scenario()) == list(range(50))
