"""Queuing one verification job per claim, by task name (the intake never imports workers).

The broker is Celery's Redis transport: each queue is a Redis list named after the queue,
so ``LLEN <queue_name>`` is the number of jobs waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import redis
from celery import Celery
from kombu.exceptions import KombuError, OperationalError

from shared.errors import StoreUnavailableError
from shared.settings import Settings

logger = logging.getLogger(__name__)

_BROKER_ERRORS: tuple[type[BaseException], ...] = (
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

    @classmethod
    def from_settings(cls, settings: Settings) -> BrokerConfig:
        return cls(
            broker_url=settings.effective_broker_url,
            task=settings.verify_task,
            queue=settings.queue_name,
            visibility_timeout_s=settings.visibility_timeout_s,
            socket_timeout_s=settings.redis_socket_timeout_s,
            connect_timeout_s=settings.redis_connect_timeout_s,
        )


class CeleryEnqueuer:
    """A producer-only Celery app that sends the verify task by name."""

    def __init__(self, config: BrokerConfig) -> None:
        self._task = config.task
        self._queue = config.queue
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

    @classmethod
    def from_settings(cls, settings: Settings) -> CeleryEnqueuer:
        return cls(BrokerConfig.from_settings(settings))

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
        except _BROKER_ERRORS as exc:
            logger.warning("broker refused %d job(s): %s", len(claim_ids), exc)
            raise StoreUnavailableError(f"could not queue claims: {exc}") from exc
        logger.debug("queued %d job(s) on %s", len(claim_ids), self._queue)

    def ping(self) -> bool:
        try:
            with self._app.connection_for_write() as conn:
                conn.default_channel.client.ping()
        except _BROKER_ERRORS as exc:
            logger.warning("broker ping failed: %s", exc)
            return False
        return True

    def close(self) -> None:
        self._app.close()
