"""The task contract: task names, and the enqueuer on the real Redis broker."""

from __future__ import annotations

import subprocess
import sys
import time
import typing
from pathlib import Path

import pytest
import redis

from shared.errors import StoreUnavailableError
from shared.settings import Settings
from shared.settings_configs import broker_config
from shared.tasks import (
    NOOP_TASK_NAME,
    TASK_NAMES,
    VERIFY_TASK_NAME,
    CeleryEnqueuer,
    jobs_waiting,
)
from tests.conftest import SettingsFactory
from tests.shared.jobs import job_args, job_task

ROOT = Path(__file__).resolve().parents[2]
CLOSED_PORT_URL = "redis://127.0.0.1:1/0"
"""Nothing listens on port 1: connecting fails at once."""


def test_the_setting_offers_exactly_the_task_names() -> None:
    """``CLAIMCHECK_VERIFY_TASK`` is a Literal (pydantic checks it): it must list the same
    names the workers register."""
    hints = typing.get_type_hints(Settings)
    assert set(typing.get_args(hints["verify_task"])) == set(TASK_NAMES)
    assert Settings.model_fields["verify_task"].default == VERIFY_TASK_NAME


def test_one_message_per_claim_on_the_queue_list(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    enqueuer = CeleryEnqueuer(broker_config(settings))
    try:
        enqueuer.enqueue(["clm_a", "clm_b", "clm_c"])
        raw = redis_client.lrange(settings.queue_name, 0, -1)
    finally:
        enqueuer.close()
    assert len(raw) == 3
    assert sorted(job_args(m)[0] for m in raw) == ["clm_a", "clm_b", "clm_c"]
    assert all(len(job_args(m)) == 1 for m in raw)
    assert {job_task(m) for m in raw} == {VERIFY_TASK_NAME}


def test_task_name_and_visibility_timeout_come_from_settings(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory(verify_task=NOOP_TASK_NAME, visibility_timeout_s=4321)
    enqueuer = CeleryEnqueuer(broker_config(settings))
    try:
        assert enqueuer.app.conf.broker_transport_options["visibility_timeout"] == 4321
        enqueuer.enqueue(["clm_x"])
        raw = redis_client.lrange(settings.queue_name, 0, -1)
    finally:
        enqueuer.close()
    assert [job_task(m) for m in raw] == [NOOP_TASK_NAME]


def test_nothing_to_queue_sends_nothing(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    enqueuer = CeleryEnqueuer(broker_config(settings))
    try:
        enqueuer.enqueue([])
    finally:
        enqueuer.close()
    assert redis_client.llen(settings.queue_name) == 0


def test_ping(settings_factory: SettingsFactory) -> None:
    up = CeleryEnqueuer(broker_config(settings_factory()))
    down = CeleryEnqueuer(broker_config(settings_factory(broker_url=CLOSED_PORT_URL)))
    try:
        assert up.ping() is True
        started = time.monotonic()
        assert down.ping() is False
        assert time.monotonic() - started < 2.0
    finally:
        up.close()
        down.close()


def test_unreachable_broker_raises_store_unavailable_quickly(
    settings_factory: SettingsFactory,
) -> None:
    enqueuer = CeleryEnqueuer(broker_config(settings_factory(broker_url=CLOSED_PORT_URL)))
    started = time.monotonic()
    try:
        with pytest.raises(StoreUnavailableError, match="could not queue"):
            enqueuer.enqueue(["clm_a"])
    finally:
        enqueuer.close()
    assert time.monotonic() - started < 3.0


def test_jobs_waiting_counts_the_queue_list(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    assert jobs_waiting(redis_client, settings.queue_name) == 0
    redis_client.rpush(settings.queue_name, "a job", "another")
    assert jobs_waiting(redis_client, settings.queue_name) == 2


def test_the_task_names_import_without_celery() -> None:
    """The lab and the command line read the names; only an enqueuer needs Celery."""
    script = (
        "import sys\n"
        "import shared.tasks\n"
        "print(sorted(m for m in ('celery', 'kombu') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
