"""What one delivery to one endpoint comes to: an attempt, or none while the endpoint cools.

:meth:`Attempts.handle` runs in the endpoint's lane (:mod:`services.delivery.lanes`):

* the endpoint is **cooling** (its last attempt failed in a way that is retried, and that
  retry is not due yet): no attempt; the delivery is scheduled for when the retry is due,
  so one failing endpoint costs one attempt, not one per entry;
* otherwise it is POSTed (:class:`~services.delivery.poster.Poster`: one deadline, a
  checked address) and the answer decides: 2xx delivered; ``429`` retried no sooner than
  its ``Retry-After``; 5xx, 408, timeouts and connection errors retried with exponential
  backoff and full jitter until ``horizon_s`` after the first attempt, then dead-lettered;
  ``410 Gone`` disables the endpoint and dead-letters; an address that is not public, or
  any other answer, is dead-lettered at once. Each retry makes the endpoint cool until it.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from typing import Final, Literal

from services.delivery.poster import Answer, Poster, PostError
from shared.backoff import Backoff, parse_retry_after
from shared.errors import RefusedTargetError
from shared.store.webhooks import Attempt, DeadLetter, Endpoint, WebhookStore
from shared.webhook_signature import headers_for

logger = logging.getLogger(__name__)

Outcome = Literal["delivered", "retry", "dead"]
BUSY: Final = "not attempted: the endpoint's lane was full"


def message_id(entry_id: str) -> str:
    """``Webhook-Id`` of an entry: the same on every attempt and every retry."""
    return f"msg_{entry_id}"


class Attempts:
    """Attempts and their outcomes, and which endpoints cool (see the module docstring)."""

    def __init__(
        self,
        store: WebhookStore,
        poster: Poster,
        backoff: Backoff,
        *,
        horizon_s: float,
        clock: Callable[[], float],
        rng: random.Random,
    ) -> None:
        self.store, self._poster, self._backoff = store, poster, backoff
        self._horizon_s = horizon_s
        self._clock, self._rng = clock, rng
        self._lock = threading.Lock()
        self._cooling: dict[str, tuple[float, str]] = {}  # endpoint -> (until, why)

    def handle(self, endpoint: Endpoint, attempt: Attempt) -> Outcome:
        """Attempt now, or schedule for when the endpoint stops cooling."""
        with self._lock:
            until, why = self._cooling.get(endpoint.endpoint_id, (0.0, ""))
        if self._clock() < until:
            return self.defer(endpoint, attempt, until, why)
        outcome = self._deliver(endpoint, attempt)
        if outcome == "delivered":
            with self._lock:
                self._cooling.pop(endpoint.endpoint_id, None)
        return outcome

    def defer(self, endpoint: Endpoint, attempt: Attempt, until: float, why: str) -> Outcome:
        """A retry at ``until`` without an attempt now (cooling, or a full lane)."""
        attempt = attempt.model_copy(update={"last_error": why})
        if until - attempt.first_attempt_at > self._horizon_s:
            return self.dead(endpoint, attempt, f"{why} (gave up)")
        self.store.schedule(attempt, until)
        return "retry"

    def _deliver(self, endpoint: Endpoint, attempt: Attempt) -> Outcome:
        attempt = attempt.model_copy(update={"attempts": attempt.attempts + 1})
        body = attempt.body.encode("utf-8")
        headers = headers_for(
            endpoint.secret, message_id(attempt.entry_id), body, now=self._clock()
        )
        try:
            answer = self._poster.post(endpoint.url, body, headers)
        except RefusedTargetError as exc:
            return self.dead(endpoint, attempt, f"refused address: {exc}")
        except PostError as exc:
            if exc.permanent:
                return self.dead(endpoint, attempt, str(exc))
            return self._later(endpoint, attempt.model_copy(update={"last_error": str(exc)}))
        return self._answered(endpoint, attempt, answer)

    def _answered(self, endpoint: Endpoint, attempt: Attempt, answer: Answer) -> Outcome:
        status = answer.status
        if 200 <= status < 300:
            self.store.mark_sent(attempt.entry_id, endpoint.endpoint_id)
            return "delivered"
        error = f"HTTP {status}"
        if status == 410:
            self.store.disable(endpoint.endpoint_id, "410 Gone")
            logger.warning("webhooks: %s answered 410: disabled", endpoint.endpoint_id)
            return self.dead(endpoint, attempt, error + " (endpoint disabled)")
        retry_after = parse_retry_after(answer.retry_after) if status == 429 else None
        if status not in (408, 429) and status < 500:
            return self.dead(endpoint, attempt, error + " (refused)")
        return self._later(endpoint, attempt.model_copy(update={"last_error": error}), retry_after)

    def _later(
        self, endpoint: Endpoint, attempt: Attempt, retry_after: float | None = None
    ) -> Outcome:
        now = self._clock()
        wait = self._backoff.delay(attempt.attempts - 1, retry_after=retry_after, rng=self._rng)
        if now + wait - attempt.first_attempt_at > self._horizon_s:
            return self.dead(endpoint, attempt, f"{attempt.last_error} (gave up)")
        self.store.schedule(attempt, now + wait)
        with self._lock:  # its next deliveries wait for this retry
            why = f"not attempted: the endpoint is failing ({attempt.last_error})"
            self._cooling[endpoint.endpoint_id] = (now + wait, why)
        return "retry"

    def dead(self, endpoint: Endpoint, attempt: Attempt, error: str) -> Outcome:
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
