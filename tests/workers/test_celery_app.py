from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.errors import TransientSourceError
from shared.tasks import NOOP_TASK_NAME, VERIFY_TASK_NAME
from tests.conftest import SettingsFactory
from tests.shared import factories
from tests.workers.conftest import ContextFactory, FlakySource
from workers.celery_app import create_celery_app, restore_interval_s
from workers.context import ContextHolder
from workers.runner import worker_argv
from workers.sources.knowledge_base.index import KnowledgeBase
from workers.sources.resilience import ResilientSource


def test_configuration_follows_settings(settings_factory: SettingsFactory) -> None:
    settings = settings_factory(
        task_time_limit_s=30, task_soft_time_limit_s=25, visibility_timeout_s=40
    )
    conf = create_celery_app(settings).conf
    assert conf.broker_url == settings.effective_broker_url
    assert conf.broker_transport_options["visibility_timeout"] == 40
    assert conf.broker_transport_options["unacked_restore_interval"] == 10
    assert conf.broker_transport_options["unacked_restore_throttle"] == 1
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert (conf.task_time_limit, conf.task_soft_time_limit) == (30, 25)
    assert conf.task_default_queue == settings.queue_name
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_ignore_result is True
    assert conf.broker_connection_retry_on_startup is True


def test_restore_interval_shrinks_with_the_visibility_timeout(
    settings_factory: SettingsFactory,
) -> None:
    short = settings_factory(task_time_limit_s=3, task_soft_time_limit_s=2, visibility_timeout_s=6)
    assert restore_interval_s(short) == 1
    assert restore_interval_s(settings_factory()) == 10


def test_tasks_are_registered_by_name(settings_factory: SettingsFactory) -> None:
    app = create_celery_app(settings_factory())
    assert {VERIFY_TASK_NAME, NOOP_TASK_NAME} <= set(app.tasks)
    assert app.amqp.router.route({}, VERIFY_TASK_NAME)["queue"].name == app.conf.task_default_queue


def test_worker_argv(settings_factory: SettingsFactory) -> None:
    settings = settings_factory(worker_concurrency=3)
    argv = worker_argv(settings, loglevel="debug", hostname="w1@%h")
    assert argv[0] == "worker"
    assert f"--queues={settings.queue_name}" in argv
    assert "--concurrency=3" in argv and "--loglevel=DEBUG" in argv and "--hostname=w1@%h" in argv
    assert "--concurrency=1" in worker_argv(settings, concurrency=1)
    assert not any(a.startswith("--concurrency") for a in worker_argv(settings, pool="solo"))
    with pytest.raises(ValueError, match="pool must be one of"):
        worker_argv(settings, pool="gevent")


def test_process_lifecycle_builds_after_fork_and_closes(
    settings_factory: SettingsFactory, starter_kb_path: Path
) -> None:
    app = create_celery_app(settings_factory(kb_path=starter_kb_path))
    holder: ContextHolder = app.claimcheck_holder
    on_init, on_shutdown, on_worker_shutdown = app.claimcheck_receivers
    assert holder._context is None  # nothing is built at import or app creation
    on_init(sender="w1")
    ctx = holder.get()
    kb = ctx.verifier.sources[0]
    assert isinstance(kb, ResilientSource) and isinstance(kb.source, KnowledgeBase)
    assert ctx is holder.get() and kb.source.count() > 0
    on_shutdown(sender="w1", pid=1, exitcode=0)
    assert holder._context is None
    assert holder.get() is not ctx  # lazily rebuilt (solo pool)
    on_worker_shutdown(sender="w1")
    assert holder._context is None


def test_calling_the_task_publishes_and_retries_transient_errors(
    context_factory: ContextFactory,
) -> None:
    # tasks called directly (no broker, no eager mode): Celery re-raises the error that
    # would have been retried, and publishes exactly as a worker would
    ctx = context_factory()
    app = create_celery_app(ctx.settings)
    app.claimcheck_holder._context = ctx
    claim = factories.claim(text="Dmitry Peskov is the press secretary of the Kremlin.")
    ctx.store.save([claim])
    app.tasks[VERIFY_TASK_NAME](claim.claim_id)
    app.tasks[VERIFY_TASK_NAME](claim.claim_id)  # redelivery: skipped
    rows = ctx.redis.xrange(ctx.settings.verdict_stream)
    assert [json.loads(f["data"])["label"] for _, f in rows] == ["supported"]

    flaky_ctx = context_factory(sources=[FlakySource("remote")])
    flaky_app = create_celery_app(flaky_ctx.settings)
    flaky_app.claimcheck_holder._context = flaky_ctx
    other = factories.claim()
    flaky_ctx.store.save([other])
    with pytest.raises(TransientSourceError):
        flaky_app.tasks[VERIFY_TASK_NAME](other.claim_id)
    with pytest.raises(ValueError, match="needs a claim id"):
        flaky_app.tasks[NOOP_TASK_NAME](42)
