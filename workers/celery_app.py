"""The Celery application of the workers, built from :class:`Settings`.

Delivery guarantees with the Redis transport:

* ``task_acks_late``: a message is acknowledged only after its task returned, so a task
  whose worker dies is delivered again; the tasks are idempotent (see ``processing``).
* ``task_reject_on_worker_lost``: if a pool process dies mid-task (OOM, SIGKILL of the
  child) the main process requeues the message at once; ``task_acks_on_timeout=False``
  does the same for a task killed by the hard time limit. A claim whose attempts keep
  dying this way (a poison job) gets a failed verdict after ``task_max_crashes``.
* If the whole worker dies (SIGKILL of the main process; pool children follow it through
  PR_SET_PDEATHSIG), its unacknowledged messages stay in the ``unacked`` hash of Redis.
  Any worker on the same broker restores those older than ``visibility_timeout``: once
  when it starts consuming and then in a periodic sweep every ``unacked_restore_interval``
  seconds (set here from the visibility timeout, at most 10 s). The sweeps take turns under
  a mutex in Redis; a worker killed while holding it blocks them only until it expires
  (:func:`mutex_expire_s`, at most 30 s, not kombu's 300).

Per-process resources (Redis client, store, publisher, knowledge base, scorer) are built
in each pool process after fork (``worker_process_init``, which Celery also sends once for
the solo pool), lazily on the first task where no such signal comes (threads pool), and
closed when the process shuts down.

``celery -A workers.celery_app …`` (``inspect ping``, ``flower``, ``events``) finds the
module's ``app``: built on first use from the ``CLAIMCHECK_*`` environment, as
``claimcheck worker`` builds its own, so both talk to the same broker and queue. With
``CLAIMCHECK_WORKER_TASK_EVENTS=true`` workers send task events (and heartbeats), which
Flower and ``celery events`` need to list tasks and workers.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from celery import Celery
from celery.signals import worker_process_init, worker_process_shutdown, worker_shutdown

from shared.logging import TEXT_FORMAT, make_formatter
from shared.settings import Settings, load_settings
from shared.tasks import NOOP_TASK_NAME, VERIFY_TASK_NAME
from workers.components import retry_policy
from workers.context import ContextHolder
from workers.logs import install_log_format
from workers.processing import Work, check_loaded_claim
from workers.tasks import register_tasks

log = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s"


def restore_interval_s(settings: Settings) -> int:
    """Seconds between sweeps for messages abandoned by a dead worker (1 to 10)."""
    return max(1, min(10, settings.visibility_timeout_s // 4))


def mutex_expire_s(settings: Settings) -> int:
    """Seconds kombu's restore mutex outlives a worker killed while holding it (10 to 30)."""
    return max(10, 3 * restore_interval_s(settings))


def create_celery_app(settings: Settings, *, verify: Work = check_loaded_claim) -> Celery:
    """A configured Celery app with both claimcheck tasks registered.

    ``verify`` is the work of a check (see :func:`workers.tasks.register_tasks`).
    """
    app = Celery("claimcheck", set_as_current=False)
    app.conf.update(
        broker_url=settings.effective_broker_url,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout_s,
            # sweep for abandoned messages every few seconds instead of the default ~100 s
            "unacked_restore_interval": restore_interval_s(settings),
            "unacked_restore_throttle": 1,
            # a worker killed while restoring holds kombu's restore mutex until it expires
            # (300 s by default), and no worker restores anything meanwhile
            "unacked_mutex_expire": mutex_expire_s(settings),
            "socket_connect_timeout": settings.redis_connect_timeout_s,
        },
        result_backend=None,
        task_ignore_result=True,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # a task killed by the hard time limit is requeued, not acknowledged (which would
        # leave its claim without a verdict); the crash count in ``processing`` ends a
        # claim that keeps hitting it with a failed verdict
        task_acks_on_timeout=False,
        worker_prefetch_multiplier=1,
        task_time_limit=settings.task_time_limit_s,
        task_soft_time_limit=settings.task_soft_time_limit_s,
        task_default_queue=settings.queue_name,
        task_routes={
            VERIFY_TASK_NAME: {"queue": settings.queue_name},
            NOOP_TASK_NAME: {"queue": settings.queue_name},
        },
        worker_cancel_long_running_tasks_on_connection_loss=True,
        worker_hijack_root_logger=True,
        worker_log_format=LOG_FORMAT,
        worker_task_log_format=LOG_FORMAT,
        worker_redirect_stdouts=False,
        enable_utc=True,
        worker_send_task_events=settings.worker_task_events,
        task_send_sent_event=settings.worker_task_events,
    )
    holder = ContextHolder(settings)
    register_tasks(app, holder, retry=retry_policy(settings), verify=verify)
    _connect_lifecycle(app, holder)
    install_log_format(app, functools.partial(make_formatter, settings, TEXT_FORMAT))
    return app


def _connect_lifecycle(app: Celery, holder: ContextHolder) -> None:
    """Build the holder's resources per pool process and close them on the way out.

    The receivers are kept on the app so they live exactly as long as it does (Celery's
    signals hold weak references).
    """

    def on_process_init(**_: Any) -> None:
        holder.reset_after_fork()
        try:
            holder.get()
        except Exception:  # do not crash-loop the pool: the first task tries again
            log.exception("could not build worker resources; will retry on the first task")
        else:
            log.info("worker process ready: resources built in this process")

    def on_process_shutdown(**_: Any) -> None:
        holder.close()

    def on_worker_shutdown(**_: Any) -> None:
        holder.close()  # solo and threads pools: the main process held the resources

    app.claimcheck_holder = holder
    app.claimcheck_receivers = (on_process_init, on_process_shutdown, on_worker_shutdown)
    worker_process_init.connect(on_process_init)
    worker_process_shutdown.connect(on_process_shutdown)
    worker_shutdown.connect(on_worker_shutdown)


@functools.cache
def _app_from_environment() -> Celery:
    """The app of a ``celery -A workers.celery_app`` process: this process's root."""
    return create_celery_app(load_settings())


def __getattr__(name: str) -> Celery:
    # ``app`` is built lazily (PEP 562): importing this module must not read the environment
    if name == "app":
        return _app_from_environment()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
