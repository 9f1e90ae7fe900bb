"""The task contract between the intake and the workers, in one place.

The intake and the workers never import each other: the intake (and ``claimcheck kb``,
``claimcheck requeue``, the lab) sends a job by task name with the claim id as its one
argument, and :mod:`workers.celery_app` registers its tasks under the same names. This
module holds both sides of that agreement: the task names, the producer that sends them
(:class:`CeleryEnqueuer`, which turns the broker's failures into
:class:`~shared.errors.StoreUnavailableError`) and what is known about the queue.

The broker is Celery's Redis transport: each queue is a Redis list named after the queue,
so ``LLEN <queue_name>`` is the number of jobs waiting (:func:`jobs_waiting`).

Celery and kombu are imported when an enqueuer is made, not with this module: the task
names cost nothing to import (``claimcheck-lab`` and the command line parse without them).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import redis

from shared.errors import StoreUnavailableError

logger = logging.getLogger(__name__)

VERIFY_TASK_NAME = "claimcheck.verify_claim"
"""Checks a claim and publishes its verdict; what the intake enqueues."""
NOOP_TASK_NAME = "claimcheck.noop_publish"
"""Benchmark baseline: publishes a placeholder verdict without checking anything."""
TASK_NAMES = (VERIFY_TASK_NAME, NOOP_TASK_NAME)
"""Every task the workers register (``CLAIMCHECK_VERIFY_TASK`` picks one to send)."""


def jobs_waiting(broker: redis.Redis, queue: str) -> int:
    """How many jobs wait on ``queue`` (the transport's list of it) on the broker's Redis."""
    return int(broker.llen(queue))


@functools.cache
def _broker_errors() -> tuple[type[BaseException], ...]:
    """What a broker that is down or refuses raises (kombu's errors, once kombu is loaded)."""
    from kombu.exceptions import KombuError, OperationalError

    return (
        OperationalError,
        KombuError,
        redis.RedisError,
        ConnectionError,
        OSError,
        TimeoutError,
    )


class Enqueuer(Protocol):
    """Puts verification jobs on the broker."""

    def enqueue(self, claim_ids: Sequence[str]) -> None:
        """Queue one job per claim id; raise StoreUnavailableError if the broker fails."""
        ...

    def ping(self) -> bool:
        """True when the broker answers."""
        ...

    def close(self) -> None:
        """Release the broker connections."""
        ...


@dataclass(frozen=True)
class BrokerConfig:
    """Where jobs go and how long the broker may take to answer."""

    broker_url: str
    task: str
    queue: str
    visibility_timeout_s: int
    socket_timeout_s: float
    connect_timeout_s: float


class CeleryEnqueuer:
    """A producer-only Celery app that sends the verify task by name."""

    def __init__(self, config: BrokerConfig) -> None:
        from celery import Celery

        self._task = config.task
        self._queue = config.queue
        self._errors = _broker_errors()
        self._app = Celery("claimcheck-intake", broker=config.broker_url)
        self._app.conf.update(
            broker_transport_options={
                "visibility_timeout": config.visibility_timeout_s,
                "socket_timeout": config.socket_timeout_s,
                "socket_connect_timeout": config.connect_timeout_s,
                # connection attempts: one quick retry, then report the broker as down
                "max_retries": 1,
                "interval_start": 0.0,
                "interval_step": 0.2,
                "interval_max": 0.5,
            },
            broker_connection_timeout=config.connect_timeout_s,
            broker_connection_retry=False,
            task_serializer="json",
            accept_content=["json"],
            # a few quick retries ride out a blip; a broker that is really down fails fast
            task_publish_retry=True,
            task_publish_retry_policy={
                "max_retries": 2,
                "interval_start": 0.0,
                "interval_step": 0.2,
                "interval_max": 0.5,
            },
        )

    @property
    def app(self) -> Any:
        return self._app

    def enqueue(self, claim_ids: Sequence[str]) -> None:
        if not claim_ids:
            return
        try:
            with self._app.producer_or_acquire() as producer:
                for claim_id in claim_ids:
                    self._app.send_task(
                        self._task, args=[claim_id], queue=self._queue, producer=producer
                    )
        except self._errors as exc:
            logger.warning("broker refused %d job(s): %s", len(claim_ids), exc)
            raise StoreUnavailableError(f"could not queue claims: {exc}") from exc
        logger.debug("queued %d job(s) on %s", len(claim_ids), self._queue)

    def ping(self) -> bool:
        try:
            with self._app.connection_for_write() as conn:
                conn.default_channel.client.ping()
        except self._errors as exc:
            logger.warning("broker ping failed: %s", exc)
            return False
        return True

    def close(self) -> None:
        self._app.close()
