"""The webhook deliverer: a consumer group on the verdict stream that POSTs each entry to
the endpoints of the entry's newsroom, signed (:mod:`shared.webhook_signature`).

The reader (:meth:`Deliverer.run`, one round is :meth:`Deliverer.run_once`) takes:

1. **Due retries** (:meth:`~shared.store.webhooks.WebhookStore.take_due`, each leased so that
   no two deliverers attempt it at once).
2. **Entries of the group** from its :class:`~shared.store.streams.GroupReader`, which
   reads, claims and acknowledges for every consumer group of ours: its own entries left
   pending, once none is in flight (a delivery it could not record, after a back-off; a
   restart under the same consumer name), else entries another deliverer left (pending
   longer than the lease: a deliverer killed mid-batch), else new entries. The deliverer
   is a handler of that reader that finishes later: an entry stays in hand while its
   deliveries run in lanes, and is acknowledged from the lane that finishes its last one.

An entry goes to every enabled endpoint of its newsroom that wants its type and was
registered before the entry was published; an entry without a newsroom goes nowhere. It
is acknowledged once each of them took it, or has a retry scheduled, or was dead-lettered;
a deliverer killed before that leaves it pending, and whoever claims it skips the endpoints
that already took it (a POST that succeeded just before the kill is sent again, with the
same ``Webhook-Id``: a receiver dedupes on it). An entry delivered more than
``max_deliveries`` times (one that keeps killing its deliverer, or whose deliveries cannot
be recorded) is moved to the stream's dead-letter stream with the reason, as every group
reader does; so is an entry that does not decode.

**Nobody waits on another's endpoint.** Each delivery goes to its endpoint's lane
(:mod:`services.delivery.lanes`): one endpoint's deliveries run in order, different
endpoints' at once, so an endpoint that hangs holds only its own lane; the reader goes on
reading. An attempt has one deadline, ``timeout_s``, for all of it, and reads at most a
few KiB of the answer (:mod:`services.delivery.poster`). An endpoint whose attempt failed in
a way that is retried is *cooling* until that retry is due: its later deliveries are
scheduled as retries for then, without an attempt (the retry due first probes it). A lane
already holding ``lane_depth`` deliveries takes no more: the next ones become retries too.

**Leases.** While an entry or a taken retry is in flight, the reader extends its lease
every third of ``lease_s`` (:meth:`GroupReader.keep_pending
<shared.store.streams.GroupReader.keep_pending>`; the retry's score moved a lease on), so
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

If the consumer group disappears (Redis lost its data), the reader creates it again.
"""

from __future__ import annotations

import json
import logging
import random
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
from shared.store.streams import GroupReader, StreamEntry, stream_id_ms
from shared.store.webhooks import Attempt, Endpoint, WebhookStore

__all__ = ["GROUP", "Deliverer", "DeliveryConfig", "body_of", "message_id"]

logger = logging.getLogger(__name__)

GROUP: Final = "claimcheck-webhooks"


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
    max_deliveries: int = 5
    """An entry delivered more often than this goes to the dead-letter stream."""
    dead_letter_stream: str | None = None
    """Where such entries go; None: ``<stream>:dead``."""
    dead_letter_maxlen: int = 100_000
    """The dead-letter stream is trimmed to about this many entries."""


def _created_ms(endpoint: Endpoint) -> int:
    return int(datetime.fromisoformat(endpoint.created_at).timestamp() * 1000)


def body_of(event_type: str, data: dict[str, Any], entry_id: str) -> str:
    """The JSON POSTed: ``{"type", "timestamp", "data"}`` (the Standard Webhooks shape)."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stream_id_ms(entry_id) / 1000))
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
    """A new entry in lanes: deliveries not done yet, and why one of them broke (None: none
    did)."""

    left: int
    broken: str | None = None


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
        self.config = config
        self._reader = GroupReader(
            client, config.stream, GROUP, config.consumer, start_id="0",
            block_ms=config.block_ms, count=config.batch,
            claim_idle_ms=max(1, int(config.lease_s * 1000)),
            max_deliveries=config.max_deliveries, dead_letter_stream=config.dead_letter_stream,
            dead_letter_maxlen=config.dead_letter_maxlen,
        )  # fmt: skip
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

    def run(self, stop: threading.Event) -> None:
        logger.info("webhooks: delivering %s as %s", self.config.stream, self.config.consumer)
        while not stop.is_set():
            try:
                self._step()
            except (redis.RedisError, StoreUnavailableError) as exc:
                logger.warning("webhooks: Redis unavailable (%s); retrying in 1 s", exc)
                stop.wait(1.0)

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
        handed = self._round(self.config.block_ms if block_ms is None else block_ms)
        while not self._lanes.wait_idle(self._keep_every):
            self._keep_leases()
        return handed

    def _round(self, block_ms: int) -> int:
        handed = self._hand_retries()
        block = max(1, min(block_ms, int(self._keep_every * 1000)))  # leases kept meanwhile
        handed += self._hand_entries(self._reader.fetch(block_ms=block))
        return handed

    def _keep_leases(self) -> None:
        """Every third of a lease: move on the leases of what is in flight."""
        now = time.monotonic()
        if now < self._keep_at:
            return
        self._keep_at = now + self._keep_every
        self._reader.keep_pending()  # the entries in hand: those in lanes
        with self._lock:
            retries = dict(self._retries)
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

    def _hand_entries(self, entries: list[StreamEntry]) -> int:
        """Each entry's deliveries to lanes; an entry with none is acknowledged at once (the
        reader holds the others until :meth:`_done`)."""
        handed = 0
        for i, entry in enumerate(entries):
            try:
                jobs = self._jobs_of(entry)
                if not jobs:
                    self._reader.ack(entry.stream_id)  # it goes nowhere
                    continue
            except Exception as exc:  # Redis failed: this one and the rest stay pending
                self._reader.fail(entry.stream_id, f"{type(exc).__name__}: {exc}")
                self._reader.release(e.stream_id for e in entries[i + 1 :])
                raise
            with self._lock:
                self._entries[entry.stream_id] = _InFlight(left=len(jobs))
            for job in jobs:
                self._hand(job)
            handed += len(jobs)
        return handed

    def _jobs_of(self, entry: StreamEntry) -> list[_Job]:
        entry_id, event_type, data = entry.stream_id, entry.type, entry.data
        newsroom = data.get("newsroom")
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
            if endpoint.endpoint_id not in sent and _created_ms(endpoint) <= stream_id_ms(entry_id)
        ]

    def _hand(self, job: _Job) -> None:
        if not self._lanes.submit(job.attempt.endpoint_id, job):  # lane full: a retry
            self._run_job(job, busy=True)

    # ---- in a lane -------------------------------------------------------------------------

    def _run_job(self, job: _Job, busy: bool = False) -> None:
        broken = None
        try:
            self._handle(job, busy)
        except (redis.RedisError, StoreUnavailableError) as exc:
            # left pending (or leased) in Redis: taken again later
            logger.warning("webhooks: %s for %s not recorded: %s", *job.key, exc)
            broken = f"{type(exc).__name__}: {exc}"
        self._done(job, broken)

    def _done(self, job: _Job, broken: str | None) -> None:
        """A delivery is over: once all of its entry's are, the entry is acknowledged, or
        given back to the reader (pending, read again later) if one could not be recorded."""
        with self._lock:
            if not job.fresh:
                self._retries.pop(job.key, None)
                return
            entry = self._entries[job.attempt.entry_id]
            entry.left -= 1
            entry.broken = entry.broken or broken
            if entry.left:
                return
            del self._entries[job.attempt.entry_id]
        if entry.broken:
            self._reader.fail(job.attempt.entry_id, entry.broken)
            return
        try:
            self._reader.ack(job.attempt.entry_id)
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
