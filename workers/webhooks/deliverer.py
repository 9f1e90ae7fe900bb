"""The webhook deliverer: a consumer group on the verdict stream that POSTs each entry to
the endpoints of the entry's newsroom, signed (:mod:`shared.webhook_signature`).

One round (:meth:`Deliverer.run_once`):

1. **Due retries** (:meth:`~shared.webhook_store.WebhookStore.take_due`, each leased so that
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

Answers: 2xx delivered; ``429`` retried no sooner than its ``Retry-After``; 5xx, 408,
timeouts and connection errors retried with exponential backoff and full jitter
(:class:`~workers.resilience.backoff.Backoff`) until ``horizon_s`` after the first attempt,
then dead-lettered; ``410 Gone`` disables the endpoint (and dead-letters the delivery); any
other answer is a refusal, dead-lettered at once. Redirects are not followed.
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
from typing import Any, Final, Literal

import httpx
import redis

from shared.errors import StoreUnavailableError
from shared.settings import Settings
from shared.webhook_signature import headers_for
from shared.webhook_store import Attempt, DeadLetter, Endpoint, WebhookStore
from workers.resilience.backoff import Backoff
from workers.sources.http_client import parse_retry_after

logger = logging.getLogger(__name__)

GROUP: Final = "claimcheck-webhooks"
Outcome = Literal["delivered", "retry", "dead"]


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
        )


def message_id(entry_id: str) -> str:
    """``Webhook-Id`` of an entry: the same on every attempt and every retry."""
    return f"msg_{entry_id}"


def _entry_ms(entry_id: str) -> int:
    return int(entry_id.split("-", 1)[0])


def _created_ms(endpoint: Endpoint) -> int:
    return int(datetime.fromisoformat(endpoint.created_at).timestamp() * 1000)


def body_of(event_type: str, data: dict[str, Any], entry_id: str) -> str:
    """The JSON POSTed: ``{"type", "timestamp", "data"}`` (the Standard Webhooks shape)."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(_entry_ms(entry_id) / 1000))
    return json.dumps({"type": event_type, "timestamp": stamp, "data": data}, ensure_ascii=False)


class Deliverer:
    """Delivers the verdict stream's entries to webhook endpoints (module docstring)."""

    def __init__(
        self,
        client: redis.Redis,
        config: DeliveryConfig,
        *,
        http: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self._redis = client
        self.config = config
        self.store = WebhookStore(client, config.key_prefix)
        self._own_http = http is None
        self._http = http or httpx.Client(
            timeout=httpx.Timeout(config.timeout_s),
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            follow_redirects=False,
            transport=transport,
            headers={"User-Agent": "claimcheck-webhooks/1", "Content-Type": "application/json"},
        )
        self._backoff = Backoff(config.retry_base_s, config.retry_max_s)
        self._clock = clock
        self._rng = rng or random.Random()

    def __enter__(self) -> Deliverer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    # ---- the loop -------------------------------------------------------------------------

    def ensure_group(self) -> None:
        """Create the consumer group (from the stream's start) unless it exists."""
        try:
            self._redis.xgroup_create(self.config.stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def run(self, stop: threading.Event) -> None:
        self.ensure_group()
        logger.info("webhooks: delivering %s as %s", self.config.stream, self.config.consumer)
        while not stop.is_set():
            try:
                self.run_once()
            except (redis.RedisError, StoreUnavailableError) as exc:
                logger.warning("webhooks: Redis unavailable (%s); retrying in 1 s", exc)
                stop.wait(1.0)

    def run_once(self, block_ms: int | None = None) -> int:
        """One round; how many deliveries it attempted."""
        done = 0
        for attempt in self.store.take_due(self._clock(), self.config.lease_s, self.config.batch):
            done += self._retry(attempt)
        _next, claimed, _deleted = self._redis.xautoclaim(
            self.config.stream, GROUP, self.config.consumer,
            min_idle_time=int(self.config.lease_s * 1000), start_id="0-0",
            count=self.config.batch,
        )  # fmt: skip
        for entry_id, fields in claimed:
            done += self._entry(str(entry_id), fields)
        read = self._redis.xreadgroup(
            GROUP, self.config.consumer, {self.config.stream: ">"},
            count=self.config.batch, block=self.config.block_ms if block_ms is None else block_ms,
        )  # fmt: skip
        for _stream, entries in read or []:
            for entry_id, fields in entries:
                done += self._entry(str(entry_id), fields)
        return done

    # ---- one entry ------------------------------------------------------------------------

    def _entry(self, entry_id: str, fields: dict[Any, Any] | None) -> int:
        attempted = 0
        event_type, data = _decode(fields)
        newsroom = data.get("newsroom") if isinstance(data, dict) else None
        if event_type and isinstance(newsroom, str) and newsroom:
            sent = self.store.already_sent(entry_id)
            for endpoint in self.store.for_entry(newsroom, event_type):
                if endpoint.endpoint_id in sent or _created_ms(endpoint) > _entry_ms(entry_id):
                    continue
                attempt = Attempt(
                    entry_id=entry_id, endpoint_id=endpoint.endpoint_id, newsroom=newsroom,
                    event_type=event_type, body=body_of(event_type, data, entry_id),
                    first_attempt_at=self._clock(),
                )  # fmt: skip
                self._deliver(endpoint, attempt)
                attempted += 1
        self._redis.xack(self.config.stream, GROUP, entry_id)
        return attempted

    def _retry(self, attempt: Attempt) -> int:
        endpoint = self.store.get(attempt.endpoint_id)
        if endpoint is None or endpoint.newsroom != attempt.newsroom:
            self.store.forget(attempt.entry_id, attempt.endpoint_id)  # removed: drop it
            return 0
        if endpoint.disabled:
            self._dead(endpoint, attempt, f"endpoint disabled ({endpoint.disabled_reason})")
            return 0
        self._deliver(endpoint, attempt)
        return 1

    def _deliver(self, endpoint: Endpoint, attempt: Attempt) -> Outcome:
        attempt = attempt.model_copy(update={"attempts": attempt.attempts + 1})
        body = attempt.body.encode("utf-8")
        headers = headers_for(
            endpoint.secret, message_id(attempt.entry_id), body, now=self._clock()
        )
        retry_after: float | None = None
        try:
            response = self._http.post(endpoint.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        else:
            status = response.status_code
            if 200 <= status < 300:
                self.store.mark_sent(attempt.entry_id, endpoint.endpoint_id)
                return "delivered"
            error = f"HTTP {status}"
            if status == 410:
                self.store.disable(endpoint.endpoint_id, "410 Gone")
                logger.warning("webhooks: %s answered 410: disabled", endpoint.endpoint_id)
                return self._dead(endpoint, attempt, error + " (endpoint disabled)")
            if status == 429:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            elif status != 408 and status < 500:
                return self._dead(endpoint, attempt, error + " (refused)")
        return self._later(endpoint, attempt.model_copy(update={"last_error": error}), retry_after)

    def _later(self, endpoint: Endpoint, attempt: Attempt, retry_after: float | None) -> Outcome:
        now = self._clock()
        wait = self._backoff.delay(attempt.attempts - 1, retry_after=retry_after, rng=self._rng)
        if now + wait - attempt.first_attempt_at > self.config.horizon_s:
            return self._dead(endpoint, attempt, f"{attempt.last_error} (gave up)")
        self.store.schedule(attempt, now + wait)
        return "retry"

    def _dead(self, endpoint: Endpoint, attempt: Attempt, error: str) -> Outcome:
        self.store.dead_letter(
            DeadLetter(
                endpoint_id=endpoint.endpoint_id,
                newsroom=endpoint.newsroom,
                url=endpoint.url,
                msg_id=message_id(attempt.entry_id),
                entry_id=attempt.entry_id,
                event_type=attempt.event_type,
                attempts=attempt.attempts,
                last_error=error,
            )
        )
        logger.warning(
            "webhooks: gave up on %s for %s: %s", attempt.entry_id, endpoint.endpoint_id, error
        )
        return "dead"


def _decode(fields: dict[Any, Any] | None) -> tuple[str | None, Any]:
    if not fields:
        return None, {}
    get = {str(k): v for k, v in fields.items()}
    try:
        return str(get.get("type") or ""), json.loads(get.get("data") or "{}")
    except ValueError:
        return None, {}
