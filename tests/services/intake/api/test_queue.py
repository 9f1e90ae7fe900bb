from __future__ import annotations

import time

import pytest
import redis

from services.intake.api.queue import CeleryEnqueuer
from shared.errors import StoreUnavailableError
from shared.schemas import NOOP_TASK_NAME, VERIFY_TASK_NAME
from tests.conftest import SettingsFactory
from tests.services.intake.conftest import CLOSED_PORT_URL, job_args, job_task


def test_one_message_per_claim_on_the_queue_list(
    settings_factory: SettingsFactory, redis_client: redis.Redis
) -> None:
    settings = settings_factory()
    enqueuer = CeleryEnqueuer.from_settings(settings)
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
    enqueuer = CeleryEnqueuer.from_settings(settings)
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
    enqueuer = CeleryEnqueuer.from_settings(settings)
    try:
        enqueuer.enqueue([])
    finally:
        enqueuer.close()
    assert redis_client.llen(settings.queue_name) == 0


def test_ping(settings_factory: SettingsFactory) -> None:
    up = CeleryEnqueuer.from_settings(settings_factory())
    down = CeleryEnqueuer.from_settings(settings_factory(broker_url=CLOSED_PORT_URL))
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
    enqueuer = CeleryEnqueuer.from_settings(settings_factory(broker_url=CLOSED_PORT_URL))
    started = time.monotonic()
    try:
        with pytest.raises(StoreUnavailableError, match="could not queue"):
            enqueuer.enqueue(["clm_a"])
    finally:
        enqueuer.close()
    assert time.monotonic() - started < 3.0
