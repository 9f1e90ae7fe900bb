"""The intake's timer for the re-queue sweep (:mod:`shared.requeue`).

Every :attr:`Settings.requeue_interval_s` each intake process tries one sweep, in a worker
thread so that the event loop never waits on Redis or the broker; the sweep's lock lets one
of them through per interval. A failed sweep is logged and tried again next interval.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.concurrency import run_in_threadpool

from shared.requeue import RequeueSweeper

logger = logging.getLogger(__name__)


async def run_sweeps(sweeper: RequeueSweeper) -> None:
    """Sweep every ``sweeper.interval_s`` until cancelled; a failed sweep is not fatal."""
    while True:
        await asyncio.sleep(sweeper.interval_s)
        try:
            await run_in_threadpool(sweeper.sweep_once)
        except Exception as exc:  # Redis or broker down: try again next interval
            logger.warning("re-queue sweep failed: %s", exc)
