"""Real processes for end-to-end tests: a ``celery worker`` and the intake under uvicorn.

Nothing runs in eager mode: tasks travel through the Redis broker to a worker process.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from cli.processes import ProcessGroup, free_port, http_ready, python_module, wait_until
from shared.settings import Settings
from shared.store.streams import StreamEntry, decode_entry
from tests.conftest import SettingsFactory
from tests.e2e.fault_worker import WorkerFaults
from tests.e2e.redis_server import PrivateRedis, PrivateRedisFactory

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_ARTICLE = REPO_ROOT / "examples" / "danang-article.txt"

pytestmark = pytest.mark.e2e


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a child process build these same settings."""
    env: dict[str, str] = {}
    for name, value in settings.model_dump(mode="json").items():
        if value is None:
            continue
        if name == "api_keys":
            value = {k: v.get_secret_value() for k, v in settings.api_keys.items()}
        if name == "client_api_key":
            continue
        if name == "admin_key" and settings.admin_key is not None:
            value = settings.admin_key.get_secret_value()
        env[f"CLAIMCHECK_{name.upper()}"] = (
            json.dumps(value) if isinstance(value, dict | list) else str(value)
        )
    return env


@dataclass
class Stack:
    settings: Settings
    group: ProcessGroup
    redis: redis.Redis
    env: dict[str, str] = field(default_factory=dict)
    base_url: str = ""
    faults: WorkerFaults | None = None
    """Installed in every worker of the stack (see :mod:`tests.e2e.fault_worker`)."""

    def start_worker(self, name: str = "worker", concurrency: int = 1) -> None:
        options = ("--concurrency", str(concurrency), "--hostname", f"{name}@%h")
        if self.faults is None:
            self.group.start(name, python_module("cli", "worker", *options), self.env)
        else:
            argv = python_module("tests.e2e.fault_worker", *options)
            self.group.start(name, argv, {**self.env, **self.faults.to_env()})

    def start_intake(self) -> None:
        port = free_port()
        self.env["CLAIMCHECK_PORT"] = str(port)
        self.base_url = f"http://127.0.0.1:{port}"
        self.group.start("intake", python_module("cli", "serve"), self.env)
        wait_until(
            lambda: http_ready(f"{self.base_url}/readyz"),
            timeout=60,
            what="intake",
            group=self.group,
        )

    def kill(self, name: str, sig: signal.Signals = signal.SIGKILL) -> None:
        """Kill a child's whole process group (the worker and its pool) at once."""
        pid = self.group.pid(name)
        os.killpg(pid, sig)
        self.group.stop(name)

    def http(self, **headers: str) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30.0, headers=headers)

    def entries(self) -> list[StreamEntry]:
        return [decode_entry(i, f) for i, f in self.redis.xrange(self.settings.verdict_stream)]

    def verdicts_for(self, claim_ids: set[str]) -> list[StreamEntry]:
        return [
            e for e in self.entries() if e.type == "verdict" and e.data["claim_id"] in claim_ids
        ]

    def wait_for_verdicts(self, claim_ids: set[str], timeout: float = 60) -> list[StreamEntry]:
        wait_until(
            lambda: {e.data["claim_id"] for e in self.verdicts_for(claim_ids)} >= claim_ids,
            timeout=timeout,
            what=f"verdicts for {len(claim_ids)} claims",
            group=self.group,
        )
        return self.verdicts_for(claim_ids)

    def queue_length(self) -> int:
        return int(self.redis.llen(self.settings.queue_name))

    def wait_queue_empty(self, timeout: float = 30) -> None:
        wait_until(
            lambda: self.queue_length() == 0, timeout=timeout, what="empty queue", group=self.group
        )


StackFactory = Callable[..., Stack]


@pytest.fixture
def stack_factory(
    settings_factory: SettingsFactory, redis_client: redis.Redis, tmp_path: Path
) -> Iterator[StackFactory]:
    groups: list[ProcessGroup] = []

    def make(*, faults: WorkerFaults | None = None, **overrides: Any) -> Stack:
        from workers.sources.knowledge_base.index import KnowledgeBase, starter_corpus_path

        overrides.setdefault("kb_path", tmp_path / "kb.sqlite3")
        overrides.setdefault("log_level", "INFO")
        settings = settings_factory(**overrides)
        kb = KnowledgeBase(settings.kb_path)
        kb.import_jsonl(starter_corpus_path())
        kb.close()
        log_dir = tmp_path / f"logs{len(groups)}"
        log_dir.mkdir()
        group = ProcessGroup(log_dir)
        groups.append(group)
        env = settings_env(settings)
        return Stack(settings=settings, group=group, redis=redis_client, env=env, faults=faults)

    yield make
    for group in groups:
        group.stop()


@pytest.fixture
def private_redis_factory(tmp_path: Path) -> Iterator[PrivateRedisFactory]:
    """Private redis-servers on free ports (never the shared one), stopped after the test."""
    servers: list[PrivateRedis] = []

    def make(*, appendonly: bool = True, maxmemory: str | None = None) -> PrivateRedis:
        directory = tmp_path / f"redis{len(servers)}"
        directory.mkdir()
        server = PrivateRedis(directory, appendonly=appendonly, maxmemory=maxmemory)
        servers.append(server)
        server.start()
        return server

    yield make
    for server in servers:
        server.close()
