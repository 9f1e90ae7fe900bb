"""The re-queue sweep: claims left ``queued`` get their job sent again.

A claim can be left ``queued`` with no job anywhere: the intake died between storing the
claim and sending its job, or a worker was killed in the instant between Celery's Redis
transport taking the job off the queue and recording it as in progress (two separate
steps in kombu). :func:`requeue_stale` sends the jobs of claims still ``queued`` after a
while; tasks are safe to run twice, so a claim whose job was only slow is still published
once.

:meth:`RequeueSweeper.sweep_once` is one sweep as the intake runs it every
``CLAIMCHECK_REQUEUE_INTERVAL_S`` (:mod:`services.intake.api.sweeper`) and ``claimcheck
requeue`` runs it once: one process per interval sweeps (a Redis lock picks it), and only
while the queue is empty, so that a long backlog (whose claims are all legitimately
``queued``) is never sent twice.

The same sweep, with ``CLAIMCHECK_RECHECK_ON_CHANGE``, then drains the pending re-checks
(:class:`shared.newsroom.rechecks.Rechecker`: changed documents whose citing claims were not all
re-queued, as over ``CLAIMCHECK_RECHECK_MAX_PER_IMPORT`` or cut off by a failure), at most
that many claims per sweep: a large change is re-checked a queue's worth at a time.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass

import redis

from shared.errors import StoreUnavailableError
from shared.newsroom.rechecks import Rechecker
from shared.store.claims import ClaimStore
from shared.store.keys import Keys
from shared.tasks import Enqueuer, jobs_waiting

logger = logging.getLogger(__name__)

STALE_LOGGER = f"{__name__}.stale"
"""The logger of :func:`requeue_stale`'s count (``claimcheck requeue`` prints it instead)."""
_stale_log = logging.getLogger(STALE_LOGGER)


def requeue_stale(store: ClaimStore, enqueuer: Enqueuer, *, older_than_s: float) -> list[str]:
    """Enqueue every claim still ``queued`` after ``older_than_s`` seconds; return their ids."""
    cutoff = int((time.time() - older_than_s) * 1000)
    claim_ids = [claim.claim_id for claim in store.iter_queued(older_than_ms=cutoff)]
    if claim_ids:
        enqueuer.enqueue(claim_ids)
        _stale_log.warning("re-queued %d stale claims", len(claim_ids))
    return claim_ids


@dataclass(frozen=True)
class SweepConfig:
    """How often to sweep, how old a ``queued`` claim must be, and where the queue is
    (:func:`shared.settings_configs.sweep_config` reads it from the settings)."""

    queue: str
    interval_s: float
    after_s: float
    key_prefix: str
    recheck_limit: int = 0
    """Claims of pending re-checks re-queued per sweep (0: none)."""


class RequeueSweeper:
    """Runs :func:`requeue_stale`, at most once per interval across processes."""

    def __init__(
        self,
        client: redis.Redis,
        store: ClaimStore,
        enqueuer: Enqueuer,
        config: SweepConfig,
        *,
        broker: redis.Redis | None = None,
    ) -> None:
        self._redis = client
        self._broker = broker or client
        """Where the Celery queue lives (``CLAIMCHECK_BROKER_URL``, default the same Redis)."""
        self._store = store
        self._enqueuer = enqueuer
        self._queue = config.queue
        self.interval_s = config.interval_s
        self.after_s = config.after_s
        self._lock_key = Keys(config.key_prefix).requeue_lock()
        self._token = uuid.uuid4().hex
        self.requeued = 0
        """How many jobs this process has sent again (for logs and tests)."""
        self._recheck_limit = config.recheck_limit
        self._rechecker = Rechecker(client, config.key_prefix)
        self.rechecked = 0
        """How many claims of pending re-checks this process has re-queued."""

    def sweep_once(self) -> list[str]:
        """One sweep; the ids of the claims whose jobs were sent again."""
        lock_ms = max(1, int(self.interval_s * 1000 * 0.9))
        if not self._redis.set(self._lock_key, self._token, nx=True, px=lock_ms):
            return []  # another intake swept within this interval
        if jobs_waiting(self._broker, self._queue) > 0:
            return []  # jobs are waiting: their claims are queued for a good reason
        ids = requeue_stale(self._store, self._enqueuer, older_than_s=self.after_s)
        self.requeued += len(ids)
        self.drain_rechecks()  # after: a re-queued claim would look stale to requeue_stale
        return ids

    def drain_rechecks(self) -> list[str]:
        """Re-queue claims of pending re-checks, up to the limit; the ids re-queued."""
        if self._recheck_limit <= 0:
            return []
        try:
            report = self._rechecker.drain(self._enqueuer.enqueue, limit=self._recheck_limit)
        except StoreUnavailableError as exc:  # they stay pending for the next sweep
            logger.warning("pending re-checks not drained: %s", exc)
            return []
        self.rechecked += len(report.requeued)
        if report.requeued:
            logger.info("%s", report)
        return report.requeued
