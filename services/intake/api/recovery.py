"""Re-queueing claims whose job never reached the broker.

The intake stores a claim's record before it sends the claim's job. If the process dies in
between, the record stays ``queued`` with no job anywhere. ``requeue_stale`` sends those
jobs again; tasks are safe to run twice, so a claim whose job did arrive after all is still
published once.
"""

from __future__ import annotations

import logging
import time

from services.intake.api.queue import Enqueuer
from shared.store import ClaimStore

logger = logging.getLogger(__name__)


def requeue_stale(store: ClaimStore, enqueuer: Enqueuer, *, older_than_s: float) -> list[str]:
    """Enqueue every claim still ``queued`` after ``older_than_s`` seconds; return their ids."""
    cutoff = int((time.time() - older_than_s) * 1000)
    claim_ids = [claim.claim_id for claim in store.iter_queued(older_than_ms=cutoff)]
    if claim_ids:
        enqueuer.enqueue(claim_ids)
        logger.warning("re-queued %d stale claims", len(claim_ids))
    return claim_ids
