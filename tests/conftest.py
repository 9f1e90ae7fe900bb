"""Fixtures every test package can use: a real Redis and isolated settings.

Each test gets its own key prefix, stream and queue, and everything it wrote under
them is deleted afterwards, so tests never touch each other's (or anyone's) data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from shared.settings import Settings, load_settings

TEST_REDIS_URL = os.environ.get("CLAIMCHECK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

SettingsFactory = Callable[..., Settings]


@pytest.fixture(scope="session")
def redis_url() -> str:
    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:  # pragma: no cover - environment problem
        pytest.exit(
            f"tests need a Redis at {TEST_REDIS_URL} (set CLAIMCHECK_TEST_REDIS_URL): {exc}",
            returncode=3,
        )
    finally:
        client.close()
    return TEST_REDIS_URL


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


def delete_namespace(client: redis.Redis, settings: Settings) -> None:
    """Remove every key a test namespace can have created."""
    patterns = [
        f"{settings.key_prefix}:*",
        f"{settings.queue_name}*",
        f"_kombu.binding*{settings.queue_name}*",
    ]
    for pattern in patterns:
        keys = list(client.scan_iter(match=pattern, count=500))
        if keys:
            client.delete(*keys)
    client.delete(settings.verdict_stream, settings.queue_name)


@pytest.fixture
def settings_factory(redis_client: redis.Redis, redis_url: str) -> Iterator[SettingsFactory]:
    """Build settings in a fresh namespace; the namespace is wiped after the test."""
    made: list[Settings] = []

    def make(**overrides: Any) -> Settings:
        ns = f"cctest{uuid.uuid4().hex[:10]}"
        values: dict[str, Any] = {
            "redis_url": redis_url,
            "key_prefix": ns,
            "verdict_stream": f"{ns}:verdicts",
            "queue_name": f"{ns}.verify",
            "auth_enabled": False,
        }
        values.update(overrides)
        settings = load_settings(**values)
        made.append(settings)
        return settings

    yield make
    for settings in made:
        delete_namespace(redis_client, settings)
