"""``claimcheck-lab bench-delivery`` on tiny numbers: a real deliverer process, real
receivers, the real Redis (a prefix of its own, deleted after)."""

from __future__ import annotations

import re

import pytest
import redis

from lab.bench_delivery import SCENARIOS, Plan, run_bench
from shared.settings import load_settings


@pytest.mark.e2e
@pytest.mark.timeout(240)
def test_every_scenario_prints_its_figures(
    redis_url: str, redis_client: redis.Redis, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings(auth_enabled=False, redis_url=redis_url)
    plan = Plan(entries=3, interval_s=0.05, timeout_s=2.0, huge_gib=1.0, wait_s=60.0)
    results = run_bench(settings, list(SCENARIOS), plan)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("bench-delivery: 3 entries per newsroom")
    rows = [line for line in out if line.split()[0] in SCENARIOS]
    assert [row.split()[0] for row in rows] == list(SCENARIOS)
    figures = r"\s+[\d.]+ ms\s+[\d.]+ ms\s+[\d.]+ MiB\s+\d+, [\d.]+ s$"
    assert all(re.search(figures, row) for row in rows), rows
    for result in results:
        assert len(result.healthy_ms) == 3 and result.bad_connections >= 1
        # a generous bound: the other newsroom's receiver never holds this one's entries
        assert max(result.healthy_ms) < 10_000, (result.scenario, result.healthy_ms)
        assert result.peak_rss_mib < 1024, (result.scenario, result.peak_rss_mib)
    assert not list(redis_client.scan_iter(match="benchdeliv*", count=500))
