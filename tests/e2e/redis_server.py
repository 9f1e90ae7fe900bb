"""A private ``redis-server`` for tests that stop, restart or fill up Redis.

The shared Redis on 6379 is never stopped or reconfigured: such tests start their own
server on a free loopback port, with its files in the test's temporary directory.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import redis

from cli.processes import free_port, redis_answers, redis_server_binary


@dataclass
class PrivateRedis:
    """A throw-away ``redis-server`` a test may stop, start again on its port, and fill."""

    directory: Path
    port: int = field(default_factory=free_port)
    appendonly: bool = True
    maxmemory: str | None = None
    process: subprocess.Popen[bytes] | None = None
    clients: list[redis.Redis] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        argv = [
            redis_server_binary(),
            "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
            "--appendonly", "yes" if self.appendonly else "no", "--appendfsync", "always",
            "--dir", str(self.directory),
        ]  # fmt: skip
        if self.maxmemory is not None:
            argv += ["--maxmemory", self.maxmemory, "--maxmemory-policy", "noeviction"]
        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 10
        while not redis_answers(self.url, timeout=0.5):
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = (self.directory / "redis.log").read_text(errors="replace")[-1500:]
                raise RuntimeError(f"private redis-server did not start:\n{tail}")
            time.sleep(0.05)

    def stop(self) -> None:
        """A clean shutdown (SIGTERM): the append-only file is written out first."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def client(self) -> redis.Redis:
        """A client of this server, closed when the test ends."""
        client = redis.Redis.from_url(self.url, decode_responses=True, socket_timeout=5)
        self.clients.append(client)
        return client

    def close(self) -> None:
        for client in self.clients:
            with contextlib.suppress(redis.RedisError):
                client.close()
        self.stop()


PrivateRedisFactory = Callable[..., PrivateRedis]
