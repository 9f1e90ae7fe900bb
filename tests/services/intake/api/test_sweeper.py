"""The intake's timer for the re-queue sweep: every interval, and a failure is not fatal."""

from __future__ import annotations

import asyncio
import logging
from typing import cast

import pytest

from services.intake.api.sweeper import run_sweeps
from shared.requeue import RequeueSweeper


class _Sweeps:
    """Stands in for :class:`RequeueSweeper`: the first sweep fails, the others count."""

    interval_s = 0.01

    def __init__(self) -> None:
        self.calls = 0

    def sweep_once(self) -> list[str]:
        self.calls += 1
        if self.calls == 1:
            raise ConnectionError("Redis is down")
        return []


def test_sweeps_go_on_after_a_failed_one(caplog: pytest.LogCaptureFixture) -> None:
    sweeps = _Sweeps()

    async def main() -> None:
        task = asyncio.create_task(run_sweeps(cast(RequeueSweeper, sweeps)))
        while sweeps.calls < 3:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    with caplog.at_level(logging.WARNING, logger="services.intake.api.sweeper"):
        asyncio.run(main())
    assert sweeps.calls >= 3
    assert [r.getMessage() for r in caplog.records] == ["re-queue sweep failed: Redis is down"]
