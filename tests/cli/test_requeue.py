"""``claimcheck requeue``: the intake's sweep run once, against the real Redis and broker."""

from __future__ import annotations

import time

import pytest
import redis

from cli.main import build_parser
from cli.requeue import run
from shared.settings import Settings
from shared.settings_configs import store_config
from shared.store.claims import ClaimRecord, ClaimStore
from shared.store.client import make_redis
from shared.store.keys import Keys
from tests.conftest import SettingsFactory


def _requeue(settings: Settings, *argv: str) -> int:
    return run(build_parser().parse_args(["requeue", *argv]), settings)


def _store_stale(settings: Settings, n: int) -> None:
    client = make_redis(settings)
    old_ms = int((time.time() - 3600) * 1000)
    try:
        claims = [
            ClaimRecord(claim_id=f"clm_{i}", text="A claim.", created_at_ms=old_ms)
            for i in range(n)
        ]
        ClaimStore(client, store_config(settings)).save(claims)
    finally:
        client.close()
        client.connection_pool.disconnect()


def test_requeue_sends_once_prints_once_and_never_over_a_queue(
    settings_factory: SettingsFactory,
    redis_client: redis.Redis,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = settings_factory(requeue_interval_s=0)
    _store_stale(settings, 3)
    assert _requeue(settings) == 0
    captured = capsys.readouterr()
    assert captured.out == "re-queued 3 claims still queued after 600s\n"
    assert captured.err == ""  # the result once, not also as a log line
    assert redis_client.llen(settings.queue_name) == 3

    # their jobs are waiting: the same sweep as the intake's sends nothing again
    assert _requeue(settings) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("re-queued nothing: 3 jobs are waiting on ")
    assert captured.err == ""
    assert redis_client.llen(settings.queue_name) == 3


def test_requeue_leaves_a_claim_alone_while_an_intake_swept_recently(
    settings_factory: SettingsFactory,
    redis_client: redis.Redis,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = settings_factory(requeue_interval_s=60)
    _store_stale(settings, 1)
    redis_client.set(Keys(settings.key_prefix).requeue_lock(), "another intake", px=60_000)
    assert _requeue(settings, "--older-than", "60") == 0
    out = capsys.readouterr().out
    assert out.startswith("re-queued nothing: no claim queued longer than 60s")
    assert "an intake swept within the last 60s" in out
    assert redis_client.llen(settings.queue_name) == 0
