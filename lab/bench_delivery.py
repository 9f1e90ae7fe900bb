"""``claimcheck-lab bench-delivery``: one newsroom's webhook latency while another's receiver
misbehaves, and what that costs the deliverer in memory.

Two newsrooms, each with one endpoint on a real HTTP receiver on 127.0.0.1 (threads of
this process), and a real deliverer (``claimcheck webhooks deliver``, a child process) on
the configured Redis under a key prefix of its own, deleted after each scenario. The
healthy newsroom's receiver answers 200 at once; per scenario, the other one's:

* ``baseline``: answers 200 at once too;
* ``trickle``: sends its answer one byte every 2 s;
* ``silent``: accepts the connection and never answers;
* ``huge``: answers 200 with a body of ``--huge-gib`` GiB (bytes generated as they are
  sent, never held).

``--entries`` entries per newsroom are published, interleaved (the other newsroom's
first), one pair every ``--interval`` seconds. Printed per scenario: the healthy
newsroom's latency (``XADD`` to its receiver reading the request) p50 and max, the
deliverer's peak resident memory (``VmHWM``), and what the other receiver saw
(connections, and the longest one held open). Each scenario ends once the healthy
newsroom has every entry and the other receiver's first connection is over.
"""

from __future__ import annotations

import argparse
import select
import socket
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import redis

from cli.commands import Subparsers, add_command
from cli.processes import ProcessGroup, process_group, python_module, wait_until
from services.delivery.deliverer import GROUP
from shared.settings import Settings
from shared.store.keys import Keys
from shared.store.streams import stream_id_ms
from shared.store.webhooks import WebhookStore

SCENARIOS: Final = {
    "baseline": "answers 200 at once",
    "trickle": "one byte every 2 s",
    "silent": "accepts, never answers",
    "huge": "200 with a body of {gib} GiB",
}
_OK: Final = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


@dataclass
class Receiver:
    """A receiver on 127.0.0.1 acting as ``mode`` says (a thread per connection)."""

    mode: str
    huge_bytes: int = 0
    arrived: dict[str, float] = field(default_factory=dict)  # Webhook-Id -> when read
    held_s: list[float] = field(default_factory=list)
    connections: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/hook"
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # the listener was closed under us
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        started = time.monotonic()
        try:
            message_id = _read_request(conn)
            with self._lock:
                self.arrived[message_id] = time.time()
            self._answer(conn)
        except OSError:
            pass  # the deliverer hung up: its deadline, or enough of the body
        finally:
            conn.close()
            with self._lock:
                self.held_s.append(time.monotonic() - started)

    def _answer(self, conn: socket.socket) -> None:
        if self.mode == "trickle":
            for byte in _OK:
                if self._hung_up(conn, 2.0):
                    return
                conn.sendall(bytes([byte]))
        elif self.mode == "silent":
            while not self._hung_up(conn, 1.0):
                pass
        elif self.mode == "huge":
            conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {self.huge_bytes}\r\n\r\n".encode())
            chunk, left = bytes(65536), self.huge_bytes
            while left > 0 and not self.stop.is_set():
                left -= conn.send(chunk[: min(left, len(chunk))])
        else:
            conn.sendall(_OK)

    def _hung_up(self, conn: socket.socket, seconds: float) -> bool:
        """Wait up to ``seconds``; whether the deliverer closed its end (or we stop)."""
        readable, _, _ = select.select([conn], [], [], seconds)
        return self.stop.is_set() or (bool(readable) and not conn.recv(1))

    def close(self) -> None:
        self.stop.set()
        self._acceptor.join(timeout=5)  # it sees ``stop`` within its 0.1 s accept timeout
        self._listener.close()


def _read_request(conn: socket.socket) -> str:
    """Read one request; its ``Webhook-Id``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the request ended")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    headers = dict(
        (name.strip().lower(), value.strip())
        for name, _, value in (line.partition(b":") for line in head.split(b"\r\n")[1:])
    )
    while len(body) < int(headers.get(b"content-length", b"0")):
        body += conn.recv(65536)
    return headers.get(b"webhook-id", b"").decode()


@dataclass(frozen=True)
class Result:
    scenario: str
    healthy_ms: list[float]
    peak_rss_mib: float
    bad_connections: int
    bad_longest_s: float


def _peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory (``VmHWM``, Linux), else its current one."""
    status = Path(f"/proc/{pid}/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import psutil

    return float(psutil.Process(pid).memory_info().rss) / 2**20


def _deliverer_env(settings: Settings, keys: Keys, timeout_s: float) -> dict[str, str]:
    """A deliverer whose keys, stream and queue are all under ``keys``' prefix."""
    return {
        "CLAIMCHECK_REDIS_URL": settings.redis_url,
        **keys.stack_env(),
        "CLAIMCHECK_WEBHOOK_TIMEOUT_S": str(timeout_s),
        "CLAIMCHECK_WEBHOOK_ALLOW_PRIVATE": "true",  # the receivers are on 127.0.0.1
        "CLAIMCHECK_LOG_LEVEL": "ERROR",
    }


def _group_exists(rdb: redis.Redis, stream: str) -> bool:
    try:
        return any(g["name"] == GROUP for g in rdb.xinfo_groups(stream))
    except redis.ResponseError:
        return False


@dataclass(frozen=True)
class Plan:
    """The numbers of a run."""

    entries: int = 20
    interval_s: float = 0.05
    timeout_s: float = 10.0
    huge_gib: float = 4.0
    wait_s: float = 60.0


def measure(settings: Settings, scenario: str, plan: Plan) -> Result:
    """One scenario with its own key prefix (deleted after)."""
    keys = Keys(f"benchdeliv{uuid.uuid4().hex[:8]}")
    stream = keys.verdict_stream()
    rdb = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    healthy = Receiver("ok")
    bad = Receiver(scenario if scenario != "baseline" else "ok", int(plan.huge_gib * 2**30))
    try:
        store = WebhookStore(rdb, keys.prefix)
        store.add("healthy", healthy.url, None)
        store.add("other", bad.url, None)
        with process_group() as group:
            group.start(
                "deliverer",
                python_module("cli", "webhooks", "deliver", "--consumer", "bench"),
                _deliverer_env(settings, keys, plan.timeout_s),
            )
            wait_until(lambda: _group_exists(rdb, stream), timeout=60, what="the deliverer")
            published = _publish(rdb, stream, plan)
            _wait_for_the_end(group, healthy, bad, published, plan)
            peak = _peak_rss_mib(group.pid("deliverer"))
        latencies = [
            (healthy.arrived[f"msg_{e}"] - stream_id_ms(e) / 1000) * 1000 for e in published
        ]
        longest = max(bad.held_s, default=0.0)
        return Result(scenario, latencies, peak, bad.connections, longest)
    finally:
        healthy.close()
        bad.close()
        left = list(rdb.scan_iter(match=keys.under_prefix(), count=500))
        if left:
            rdb.delete(*left)
        rdb.close()


def _publish(rdb: redis.Redis, stream: str, plan: Plan) -> list[str]:
    """Interleaved entries (the other newsroom's first); the healthy newsroom's ids."""
    ids = []
    for i in range(plan.entries):
        for newsroom in ("other", "healthy"):
            data = f'{{"claim_id": "clm_{i}", "label": "supported", "newsroom": "{newsroom}"}}'
            entry_id = str(rdb.xadd(stream, {"type": "verdict", "data": data}))
            if newsroom == "healthy":
                ids.append(entry_id)
        time.sleep(plan.interval_s)
    return ids


def _wait_for_the_end(
    group: ProcessGroup, healthy: Receiver, bad: Receiver, published: list[str], plan: Plan
) -> None:
    def done() -> bool:
        every = all(f"msg_{e}" in healthy.arrived for e in published)
        return every and bad.connections > 0 and len(bad.held_s) > 0

    wait_until(done, timeout=plan.wait_s, what="the deliveries", group=group)


def _report(results: list[Result], plan: Plan) -> None:
    print(
        f"bench-delivery: {plan.entries} entries per newsroom, one pair every "
        f"{plan.interval_s * 1000:.0f} ms; deliverer timeout {plan.timeout_s:g} s"
    )
    print(
        f"{'scenario':<9} {'other receiver':<27} {'healthy p50':>11} {'healthy max':>11} "
        f"{'peak RSS':>10}  other: connections, longest held"
    )
    for r in results:
        what = SCENARIOS[r.scenario].format(gib=f"{plan.huge_gib:g}")
        print(
            f"{r.scenario:<9} {what:<27} {statistics.median(r.healthy_ms):>8.1f} ms "
            f"{max(r.healthy_ms):>8.1f} ms {r.peak_rss_mib:>6.1f} MiB  "
            f"{r.bad_connections}, {r.bad_longest_s:.1f} s"
        )


def run_bench(settings: Settings, scenarios: list[str], plan: Plan) -> list[Result]:
    results = [measure(settings, s, plan) for s in scenarios]
    _report(results, plan)
    return results


def run(args: argparse.Namespace, settings: Settings) -> int:
    plan = Plan(args.entries, args.interval, args.timeout, args.huge_gib)
    run_bench(settings, args.scenarios, plan)
    return 0


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers,
        "bench-delivery",
        run,
        help="one newsroom's webhook latency while another's receiver trickles, hangs or "
        "answers gigabytes; the deliverer's peak memory",
    )
    p.add_argument(
        "--scenarios", nargs="+", choices=list(SCENARIOS), default=list(SCENARIOS),
        help="the other receiver's behaviours (default: all four)",
    )  # fmt: skip
    p.add_argument("--entries", type=int, default=20, help="entries per newsroom (default 20)")
    p.add_argument(
        "--interval", type=float, default=0.05, help="seconds between pairs (default 0.05)"
    )
    p.add_argument(
        "--timeout", type=float, default=10.0,
        help="CLAIMCHECK_WEBHOOK_TIMEOUT_S of the deliverer (default 10, the setting's)",
    )  # fmt: skip
    p.add_argument("--huge-gib", type=float, default=4.0, help="the huge answer's size in GiB")
