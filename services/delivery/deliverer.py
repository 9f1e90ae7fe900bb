"""The webhook deliverer: a consumer group on the verdict stream that POSTs each entry to
the endpoints of the entry's newsroom, signed (:mod:`shared.webhook_signature`).

The reader (:meth:`Deliverer.run`, one round is :meth:`Deliverer.run_once`) takes:

1. **Due retries** (:meth:`~shared.store.webhooks.WebhookStore.take_due`, each leased so that
   no two deliverers attempt it at once).
2. **Entries another deliverer left** (``XAUTOCLAIM`` of entries pending longer than the
   lease: a deliverer killed mid-batch).
3. **New entries** (``XREADGROUP``).

An entry goes to every enabled endpoint of its newsroom that wants its type and was
registered before the entry was published; an entry without a newsroom goes nowhere. It
is acknowledged once each of them took it, or has a retry scheduled, or was dead-lettered;
a deliverer killed before that leaves it pending, and whoever claims it skips the endpoints
that already took it (a POST that succeeded just before the kill is sent again, with the
same ``Webhook-Id``: a receiver dedupes on it).

**Nobody waits on another's endpoint.** Each delivery goes to its endpoint's lane
(:mod:`services.delivery.lanes`): one endpoint's deliveries run in order, different
endpoints' at once, so an endpoint that hangs holds only its own lane; the reader goes on
reading. An attempt has one deadline, ``timeout_s``, for all of it, and reads at most a
few KiB of the answer (:mod:`services.delivery.poster`). An endpoint whose attempt failed in
a way that is retried is *cooling* until that retry is due: its later deliveries are
scheduled as retries for then, without an attempt (the retry due first probes it). A lane
already holding ``lane_depth`` deliveries takes no more: the next ones become retries too.

**Leases.** While an entry or a taken retry is in flight, the reader extends its lease
every third of ``lease_s`` (``XCLAIM ... JUSTID``; the retry's score moved a lease on), so
a live deliverer's work is never taken over; a dead one's is, after ``lease_s``.

**Addresses.** Unless ``allow_private`` is set, a POST goes only to public addresses, checked
after DNS and connected to as checked (:mod:`shared.address_policy`); a refused address is
a permanent failure, dead-lettered with the reason.

Answers (:mod:`services.delivery.attempts`): 2xx delivered; ``429`` retried no sooner than
its ``Retry-After``; 5xx, 408, timeouts and connection errors retried with exponential
backoff and full jitter (:class:`~shared.backoff.Backoff`) until ``horizon_s``
after the first attempt, then dead-lettered; ``410 Gone`` disables the endpoint (and
dead-letters the delivery); any other answer is a refusal, dead-lettered at once.
Redirects are not followed.

If the consumer group disappears (Redis lost its data), it is created again.
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import redis

from services.delivery.attempts import BUSY, Attempts, message_id
from services.delivery.lanes import Lanes
from services.delivery.poster import Poster, Resolver
from shared.backoff import Backoff
from shared.errors import StoreUnavailableError
from shared.settings import Settings
from shared.store.streams import ensure_group, is_missing_group, keep_pending
from shared.store.webhooks import Attempt, Endpoint, WebhookStore

__all__ = ["GROUP", "Deliverer", "DeliveryConfig", "body_of", "message_id"]

logger = logging.getLogger(__name__)

GROUP: Final = "claimcheck-webhooks"
Row = tuple[Any, dict[Any, Any] | None]


@dataclass(frozen=True)
class DeliveryConfig:
    """What the deliverer reads, how long it waits, how long it keeps trying."""

    stream: str
    key_prefix: str
    consumer: str
    timeout_s: float = 10.0
    retry_base_s: float = 5.0
    retry_max_s: float = 3600.0
    horizon_s: float = 24 * 3600.0
    lease_s: float = 60.0
    batch: int = 50
    block_ms: int = 1000
    allow_private: bool = False
    lanes: int = 32
    """Threads that run lanes: endpoints attempted at the same moment."""
    lane_depth: int = 100
    """Deliveries one endpoint's lane holds; more become retries."""
    max_in_flight: int = 1000
    """Entries and retries in lanes at once; past it, the reader waits."""

    @classmethod
    def from_settings(cls, settings: Settings, consumer: str | None = None) -> DeliveryConfig:
        return cls(
            stream=settings.verdict_stream,
            key_prefix=settings.key_prefix,
            consumer=consumer or f"{socket.gethostname()}-{os.getpid()}",
            timeout_s=settings.webhook_timeout_s,
            retry_base_s=settings.webhook_retry_base_s,
            retry_max_s=settings.webhook_retry_max_s,
            horizon_s=settings.webhook_retry_horizon_s,
            lease_s=settings.webhook_lease_s,
            batch=settings.webhook_batch,
            allow_private=settings.webhook_allow_private,
        )


def _entry_ms(entry_id: str) -> int:
    return int(entry_id.split("-", 1)[0])


def _created_ms(endpoint: Endpoint) -> int:
    return int(datetime.fromisoformat(endpoint.created_at).timestamp() * 1000)


def body_of(event_type: str, data: dict[str, Any], entry_id: str) -> str:
    """The JSON POSTed: ``{"type", "timestamp", "data"}`` (the Standard Webhooks shape)."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(_entry_ms(entry_id) / 1000))
    return json.dumps({"type": event_type, "timestamp": stamp, "data": data}, ensure_ascii=False)


@dataclass(frozen=True)
class _Job:
    """One delivery for a lane: a new entry's (``fresh``) or a taken retry's."""

    attempt: Attempt
    fresh: bool

    @property
    def key(self) -> tuple[str, str]:
        return (self.attempt.entry_id, self.attempt.endpoint_id)


@dataclass
class _InFlight:
    """A new entry in lanes: deliveries not done yet, and whether one of them broke."""

    left: int
    broken: bool = False


class Deliverer:
    """Delivers the verdict stream's entries to webhook endpoints (module docstring)."""

    def __init__(
        self,
        client: redis.Redis,
        config: DeliveryConfig,
        *,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        resolve: Resolver | None = None,
    ) -> None:
        self._redis = client
        self.config = config
        self.store = WebhookStore(client, config.key_prefix)
        self._poster = Poster(config.timeout_s, allow_private=config.allow_private, resolve=resolve)
        self._attempts = Attempts(
            self.store,
            self._poster,
            Backoff(config.retry_base_s, config.retry_max_s),
            horizon_s=config.horizon_s,
            clock=clock,
            rng=rng or random.Random(),
        )
        self._lanes: Lanes[_Job] = Lanes(
            self._run_job, threads=config.lanes, depth=config.lane_depth
        )
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, _InFlight] = {}
        self._retries: dict[tuple[str, str], float] = {}  # -> the lease end held
        self._keep_every = config.lease_s / 3
        self._keep_at = 0.0
        self._claim_cursor = "0-0"

    def __enter__(self) -> Deliverer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Let the attempts running finish (each within ``timeout_s``); what is queued
        stays pending in Redis, for whoever claims it after the lease."""
        self._lanes.close()
        self._poster.close()

    # ---- the reader -----------------------------------------------------------------------

    def ensure_group(self) -> None:
        """Create the consumer group (from the stream's start) unless it exists."""
        ensure_group(self._redis, self.config.stream, GROUP, "0")

    def run(self, stop: threading.Event) -> None:
        self.ensure_group()
        logger.info("webhooks: delivering %s as %s", self.config.stream, self.config.consumer)
        while not stop.is_set():
            try:
                self._step()
            except (redis.RedisError, StoreUnavailableError) as exc:
                if self._recreated(exc):
                    continue
                logger.warning("webhooks: Redis unavailable (%s); retrying in 1 s", exc)
                stop.wait(1.0)

    def _recreated(self, exc: BaseException) -> bool:
        """After ``NOGROUP`` (Redis lost its data): the group made again."""
        if not is_missing_group(exc):
            return False
        logger.warning("webhooks: consumer group %s is gone (%s); creating it again", GROUP, exc)
        self.ensure_group()
        self._claim_cursor = "0-0"
        return True

    def _step(self) -> None:
        self._keep_leases()
        with self._lock:
            full = len(self._entries) + len(self._retries) >= self.config.max_in_flight
        if full:
            self._lanes.wait_idle(min(self._keep_every, 0.2))
        else:
            self._round(self.config.block_ms)

    def run_once(self, block_ms: int | None = None) -> int:
        """One round, then wait until its deliveries are done (tests, scripts); how many
        deliveries it handed to lanes."""
        block = self.config.block_ms if block_ms is None else block_ms
        try:
            handed = self._round(block)
        except redis.ResponseError as exc:
            if not self._recreated(exc):
                raise
            handed = self._round(block)
        while not self._lanes.wait_idle(self._keep_every):
            self._keep_leases()
        return handed

    def _round(self, block_ms: int) -> int:
        handed = self._hand_retries()
        handed += self._hand_entries(self._claim_left())
        handed += self._hand_entries(self._read_new(block_ms))
        return handed

    def _claim_left(self) -> list[Row]:
        cursor, claimed, _deleted = self._redis.xautoclaim(
            self.config.stream, GROUP, self.config.consumer,
            min_idle_time=int(self.config.lease_s * 1000), start_id=self._claim_cursor,
            count=self.config.batch,
        )  # fmt: skip
        self._claim_cursor = str(cursor)
        return list(claimed)

    def _read_new(self, block_ms: int) -> list[Row]:
        block = max(1, min(block_ms, int(self._keep_every * 1000)))  # leases kept meanwhile
        read = self._redis.xreadgroup(
            GROUP, self.config.consumer, {self.config.stream: ">"},
            count=self.config.batch, block=block,
        )  # fmt: skip
        return [row for _stream, rows in read or [] for row in rows]

    def _keep_leases(self) -> None:
        """Every third of a lease: move on the leases of what is in flight."""
        now = time.monotonic()
        if now < self._keep_at:
            return
        self._keep_at = now + self._keep_every
        with self._lock:
            entries, retries = list(self._entries), dict(self._retries)
        if entries:
            keep_pending(self._redis, self.config.stream, GROUP, self.config.consumer, entries)
        if retries:
            until = self._clock() + self.config.lease_s
            kept = self.store.extend_leases(retries, until)
            with self._lock:
                for key in kept & self._retries.keys():
                    self._retries[key] = until

    # ---- handing work to lanes -----------------------------------------------------------

    def _hand_retries(self) -> int:
        now = self._clock()
        lease_end = now + self.config.lease_s  # what take_due sets
        jobs = []
        for attempt in self.store.take_due(now, self.config.lease_s, self.config.batch):
            job = _Job(attempt, fresh=False)
            with self._lock:
                if job.key in self._retries:  # ours, still in a lane
                    continue
                self._retries[job.key] = lease_end
            jobs.append(job)
        for job in jobs:
            self._hand(job)
        return len(jobs)

    def _hand_entries(self, rows: list[Row]) -> int:
        handed = 0
        for raw_id, fields in rows:
            entry_id = str(raw_id)
            with self._lock:
                if entry_id in self._entries:  # in a lane already (claimed back)
                    continue
            jobs = self._jobs_of(entry_id, fields)
            if not jobs:
                self._redis.xack(self.config.stream, GROUP, entry_id)
                continue
            with self._lock:
                self._entries[entry_id] = _InFlight(left=len(jobs))
            for job in jobs:
                self._hand(job)
            handed += len(jobs)
        return handed

    def _jobs_of(self, entry_id: str, fields: dict[Any, Any] | None) -> list[_Job]:
        event_type, data = _decode(fields)
        newsroom = data.get("newsroom") if isinstance(data, dict) else None
        if not (event_type and isinstance(newsroom, str) and newsroom):
            return []
        sent = self.store.already_sent(entry_id)
        body = body_of(event_type, data, entry_id)
        return [
            _Job(
                Attempt(
                    entry_id=entry_id,
                    endpoint_id=endpoint.endpoint_id,
                    newsroom=newsroom,
                    event_type=event_type,
                    body=body,
                    first_attempt_at=self._clock(),
                ),
                fresh=True,
            )
            for endpoint in self.store.for_entry(newsroom, event_type)
            if endpoint.endpoint_id not in sent and _created_ms(endpoint) <= _entry_ms(entry_id)
        ]

    def _hand(self, job: _Job) -> None:
        if not self._lanes.submit(job.attempt.endpoint_id, job):  # lane full: a retry
            self._run_job(job, busy=True)

    # ---- in a lane -------------------------------------------------------------------------

    def _run_job(self, job: _Job, busy: bool = False) -> None:
        ok = True
        try:
            self._handle(job, busy)
        except (redis.RedisError, StoreUnavailableError) as exc:
            # left pending (or leased) in Redis: taken again once its lease ends
            logger.warning("webhooks: %s for %s not recorded: %s", *job.key, exc)
            ok = False
        self._done(job, ok)

    def _done(self, job: _Job, ok: bool) -> None:
        with self._lock:
            if not job.fresh:
                self._retries.pop(job.key, None)
                return
            entry = self._entries[job.attempt.entry_id]
            entry.left -= 1
            entry.broken |= not ok
            if entry.left:
                return
            del self._entries[job.attempt.entry_id]
        if not entry.broken:
            try:
                self._redis.xack(self.config.stream, GROUP, job.attempt.entry_id)
            except redis.RedisError as exc:
                logger.warning("webhooks: could not acknowledge %s: %s", job.key[0], exc)

    def _handle(self, job: _Job, busy: bool) -> None:
        endpoint = self._current(job)
        if endpoint is None:
            return
        if busy:
            until = self._clock() + self.config.retry_base_s
            self._attempts.defer(endpoint, job.attempt, until, BUSY)
        else:
            self._attempts.handle(endpoint, job.attempt)

    def _current(self, job: _Job) -> Endpoint | None:
        """The job's endpoint as it is now; None when it is gone or disabled (a retry for
        it is dropped or dead-lettered; a new entry just skips it)."""
        attempt = job.attempt
        endpoint = self.store.get(attempt.endpoint_id)
        if endpoint is None or endpoint.newsroom != attempt.newsroom:
            if not job.fresh:
                self.store.forget(attempt.entry_id, attempt.endpoint_id)  # removed: drop it
            return None
        if endpoint.disabled:
            if not job.fresh:
                why = f"endpoint disabled ({endpoint.disabled_reason})"
                self._attempts.dead(endpoint, attempt, why)
            return None
        return endpoint


def _decode(fields: dict[Any, Any] | None) -> tuple[str | None, Any]:
    if not fields:
        return None, {}
    get = {str(k): v for k, v in fields.items()}
    try:
        return str(get.get("type") or ""), json.loads(get.get("data") or "{}")
    except ValueError:
        return None, {}
