"""The CLI against real processes: submit --wait --json, watch, and the demo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from tests.e2e.conftest import REPO_ROOT, SEED_ARTICLE, StackFactory

pytestmark = pytest.mark.e2e


def _run(
    args: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=REPO_ROOT,
        timeout=timeout,
    )


def test_submit_wait_json_prints_each_verdict_then_watch_replays(
    stack_factory: StackFactory,
) -> None:
    stack = stack_factory()
    stack.start_worker(concurrency=2)
    stack.start_intake()
    env = {**stack.env, "CLAIMCHECK_API_URL": stack.base_url}

    result = _run(["submit", str(SEED_ARTICLE), "--wait", "--json"], env)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    accepted = lines[0]
    assert accepted["type"] == "article.accepted"
    claim_ids = {c["claim_id"] for c in accepted["data"]["claims"]}
    verdicts = lines[1:]
    assert {v["claim_id"] for v in verdicts} == claim_ids
    assert len(verdicts) == len(claim_ids) >= 10
    assert all(
        v["label"] in {"supported", "refuted", "not_enough_info", "conflicting"} for v in verdicts
    )

    watched = _run(
        ["watch", "--from-start", "--json", "--count", str(len(claim_ids) + 1), "--group", "t"],
        stack.env,
    )
    assert watched.returncode == 0, watched.stderr
    entries = [json.loads(line) for line in watched.stdout.splitlines()]
    assert [e["type"] for e in entries].count("verdict") == len(claim_ids)
    assert entries[-1]["type"] == "article.completed"


def test_submit_reports_http_errors(stack_factory: StackFactory) -> None:
    key = "planet-" + "k" * 32
    stack = stack_factory(auth_enabled=True, api_keys={"planet": key})
    stack.start_intake()
    env = {**stack.env, "CLAIMCHECK_API_URL": stack.base_url}
    result = _run(["submit", str(SEED_ARTICLE)], {**env, "CLAIMCHECK_CLIENT_API_KEY": "wrong"})
    assert result.returncode == 1
    assert "401" in result.stderr
    ok = _run(["submit", str(SEED_ARTICLE)], {**env, "CLAIMCHECK_CLIENT_API_KEY": key})
    assert ok.returncode == 0, ok.stderr
    assert "claims queued" in ok.stdout


def _demo_traces(client: redis.Redis) -> set[str]:
    """Keys of any demo namespace, and kombu routing entries that name one."""
    keys = {str(k) for k in client.scan_iter(match="claimcheck-demo-*", count=500)}
    for key in client.scan_iter(match="_kombu.binding*", count=500):
        kind = client.type(key)
        members = client.smembers(key) if kind == "set" else client.zrange(key, 0, -1)
        if "claimcheck-demo-" in str(key) or any("claimcheck-demo-" in str(m) for m in members):
            keys.add(str(key))
    return keys


@pytest.mark.timeout(300)
@pytest.mark.parametrize("shared_redis", [False, True], ids=["private-redis", "shared-redis"])
def test_demo_prints_verdicts_stops_everything_and_leaves_no_keys(
    stack_factory: StackFactory, redis_client: redis.Redis, tmp_path: Path, shared_redis: bool
) -> None:
    import psutil

    stack = stack_factory()  # the environment a user has: CLAIMCHECK_REDIS_URL set
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    traces_before = _demo_traces(redis_client)
    logs = tmp_path / "demo"
    args = ["demo", "--log-dir", str(logs)]
    if shared_redis:
        args += ["--redis-url", stack.settings.redis_url]
    result = _run(args, stack.env, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    verdict_lines = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert len(verdict_lines) >= 10
    assert "completed:" in result.stdout
    after = {p.pid for p in psutil.Process().children(recursive=True)}
    assert after <= before, "the demo left processes running"
    assert {"intake.log", "worker1.log", "kb.sqlite3"} <= {p.name for p in logs.iterdir()}
    assert _demo_traces(redis_client) <= traces_before, "the demo left keys behind"
    if shared_redis:
        assert "removed the demo's" in result.stdout
    else:
        assert "started a private Redis" in result.stdout
        # the user's settings (the stack's names) were never used in the user's Redis
        prefix = stack.settings.key_prefix
        assert not list(redis_client.scan_iter(match=f"{prefix}*", count=500))
        assert not redis_client.exists(stack.settings.queue_name)
