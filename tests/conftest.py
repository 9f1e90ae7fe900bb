"""Fixtures every test package can use: a real Redis and isolated settings.

Each test gets its own key prefix, stream and queue, and everything it wrote under
them is deleted afterwards, so tests never touch each other's (or anyone's) data.

Tests write only to temporary directories: the settings' default file paths (knowledge
base, fact-check archive) point into a session directory that is removed at the end, and
the run fails if it left anything new under the working tree's ``var/``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from shared.settings import Settings, load_settings

TEST_REDIS_URL = os.environ.get("CLAIMCHECK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
_WORK_TREE_VAR = Path(__file__).resolve().parent.parent / "var"
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="claimcheck-tests-"))
# before any settings are built (subprocesses inherit them)
os.environ.setdefault("CLAIMCHECK_KB_PATH", str(_SESSION_DIR / "kb.sqlite3"))
os.environ.setdefault("CLAIMCHECK_FACTCHECK_ARCHIVE_PATH", str(_SESSION_DIR / "factchecks.sqlite3"))


def _var_files() -> set[Path]:
    """Files under the working tree's ``var/``, except the screenshots folder a run asks
    for (``CLAIMCHECK_TEST_ARTIFACTS``, which ``.ci/run`` points into ``var/``)."""
    if not _WORK_TREE_VAR.exists():
        return set()
    artifacts = os.environ.get("CLAIMCHECK_TEST_ARTIFACTS")
    asked = Path(artifacts).resolve() if artifacts else None
    return {
        p
        for p in _WORK_TREE_VAR.rglob("*")
        if p.is_file() and not (asked is not None and p.resolve().is_relative_to(asked))
    }


_VAR_BEFORE = _var_files()


_NAMESPACES: set[str] = set()
"""Every Redis namespace a test of this session made (``settings_factory``)."""
_NAMESPACE = re.compile(r"cctest[0-9a-f]{10}")


def _keys_left_in_redis() -> list[str]:
    """Keys of this session's test namespaces still in the test Redis (kombu's routing
    keys named after a test queue included): each test must delete what it wrote."""
    if not _NAMESPACES:
        return []
    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2, decode_responses=True)
    try:
        found = [
            key
            for pattern in ("cctest*", "_kombu.binding*cctest*")
            for key in client.scan_iter(match=pattern, count=1000)
            if any(ns in _NAMESPACES for ns in _NAMESPACE.findall(str(key)))
        ]
    except redis.RedisError:
        return []  # no Redis: the tests that needed one said so
    finally:
        client.close()
    return sorted(found)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)
    left = sorted(str(p.relative_to(_WORK_TREE_VAR.parent)) for p in _var_files() - _VAR_BEFORE)
    writer = session.config.get_terminal_writer()
    if left:
        writer.line(
            f"tests wrote into the working tree (write to tmp_path instead): {left[:10]}", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    keys = _keys_left_in_redis()
    if keys:
        writer.line(f"tests left {len(keys)} keys in the test Redis: {keys[:10]}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


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
        _NAMESPACES.add(ns)
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
