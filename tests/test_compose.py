"""docker-compose.yml: healthchecks, start order, and the docker client's own validation."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"


def _services() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())["services"]
    return services


def test_services_have_healthchecks_and_wait_for_healthy_redis() -> None:
    services = _services()
    assert {"redis", "intake", "worker", "webhooks"} <= set(services)
    for name in ("redis", "intake", "worker", "webhooks"):
        assert "healthcheck" in services[name], name
    for name in ("intake", "worker", "webhooks"):
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["webhooks"]["command"] == ["claimcheck", "webhooks", "deliver"]
    assert services["worker"]["deploy"]["replicas"] >= 1
    assert "--appendonly" in services["redis"]["command"]


def test_docker_compose_config_accepts_the_file() -> None:
    if shutil.which("docker") and (
        subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        cmd = ["docker", "compose", "-f", str(COMPOSE), "config", "-q"]
    elif shutil.which("docker-compose"):
        cmd = ["docker-compose", "-f", str(COMPOSE), "config", "-q"]
    else:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    env = {**os.environ, "CLAIMCHECK_API_KEYS": '{"daily-planet": "' + "k" * 32 + '"}'}
    result = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    # without a key of its own the file refuses to start, instead of a known default key
    env.pop("CLAIMCHECK_API_KEYS")
    refused = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert refused.returncode != 0 and "CLAIMCHECK_API_KEYS" in refused.stderr


def test_compose_ships_no_default_key() -> None:
    assert "change-me" not in COMPOSE.read_text()


def test_the_intake_is_given_time_to_drain_on_stop() -> None:
    from services.intake.api.shutdown import grace_period_s
    from shared.settings import load_settings

    grace = _services()["intake"]["stop_grace_period"]
    assert grace.endswith("s")
    # docker's default (10 s) would kill the intake in the middle of its drain
    assert int(grace[:-1]) > grace_period_s(load_settings(auth_enabled=False).request_timeout_s)
