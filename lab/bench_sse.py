"""``claimcheck-lab bench-sse``: how many ``GET /v1/stream`` clients one intake process holds.

Starts one intake (its own key prefix and stream on the configured Redis, a private
``redis-server`` if none answers), opens N streaming clients with httpx, then writes
entries to the stream and checks that every client got every entry once, in order.
Prints the intake's resident memory per client, the fan-out latency (XADD → client) and
that client N+1 is refused with 503. Everything it wrote is deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis

from cli.commands import Subparsers, add_command
from cli.demo import start_stack
from cli.processes import ProcessGroup, process_group
from shared.settings import Settings
from shared.store.keys import Keys
from shared.store.streams import stream_id_ms


@dataclass
class Client:
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    ids: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    error: str | None = None


async def _follow(http: httpx.AsyncClient, client: Client, stop: asyncio.Event) -> None:
    try:
        async with http.stream("GET", "/v1/stream") as response:
            response.raise_for_status()
            lines = response.aiter_lines()
            while not stop.is_set():
                line = await anext(lines)
                if line == ": connected":
                    client.connected.set()
                elif line.startswith("id: "):
                    stream_id = line[4:]
                    client.ids.append(stream_id)
                    client.latencies_ms.append(time.time() * 1000 - stream_id_ms(stream_id))
    except (httpx.HTTPError, StopAsyncIteration) as exc:
        client.error = f"{type(exc).__name__}: {exc}"
        client.connected.set()


def _rss_mb(group: ProcessGroup) -> float:
    import psutil

    return float(psutil.Process(group.pid("intake")).memory_info().rss) / 2**20


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(q * len(ordered)) - 1)] if ordered else float("nan")


async def _run(
    base_url: str,
    group: ProcessGroup,
    rdb: redis.Redis,
    stream: str,
    sse_name: str,
    n: int,
    entries: int,
) -> int:
    limits = httpx.Limits(max_connections=n + 10, max_keepalive_connections=0)
    timeout = httpx.Timeout(30.0, read=60.0)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as http:
        before = _rss_mb(group)
        stop = asyncio.Event()
        clients = [Client() for _ in range(n)]
        started = time.perf_counter()
        tasks = [asyncio.create_task(_follow(http, c, stop)) for c in clients]
        await asyncio.wait_for(asyncio.gather(*(c.connected.wait() for c in clients)), 120)
        connect_s = time.perf_counter() - started
        failed = [c.error for c in clients if c.error]
        await asyncio.sleep(2.0)  # every client is now parked in its XREAD
        held = _rss_mb(group)
        blocked = sum(
            1 for c in rdb.client_list() if c.get("name") == sse_name and "b" in c.get("flags", "")
        )
        extra = await http.get("/v1/stream")

        written: list[str] = []
        for i in range(entries):
            data = {"claim_id": f"clm_bench_{i}", "article_id": "art_bench", "label": "supported"}
            written.append(str(rdb.xadd(stream, {"type": "verdict", "data": json.dumps(data)})))
            await asyncio.sleep(0.1)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(
            len(c.ids) < entries for c in clients if not c.error
        ):
            await asyncio.sleep(0.1)
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    ok = [c for c in clients if not c.error]
    lost = sum(len(set(written) - set(c.ids)) for c in ok)
    duplicated = sum(len(c.ids) - len(set(c.ids)) for c in ok)
    in_order = all(c.ids == written for c in ok)
    latencies = [v for c in ok for v in c.latencies_ms]
    per_client_kib = (held - before) * 1024 / max(1, len(ok))
    print(f"clients requested                 {n}")
    print(f"clients connected                 {len(ok)} (failed: {len(failed)})")
    if failed:
        print(f"  first failure: {failed[0]}")
    print(f"time to connect all               {connect_s:.2f} s")
    print(f"blocked Redis connections (XREAD) {blocked}")
    print(f"client {n + 1} answered               {extra.status_code}")
    print(f"intake RSS before / holding       {before:.1f} MiB / {held:.1f} MiB")
    print(f"memory per client                 {per_client_kib:.0f} KiB")
    print(f"entries written                   {entries} (one per 100 ms)")
    print(f"entries lost / duplicated         {lost} / {duplicated} (in order: {in_order})")
    print(
        f"XADD → client latency             p50 {statistics.median(latencies):.1f} ms, "
        f"p95 {_percentile(latencies, 0.95):.1f} ms, max {max(latencies):.1f} ms"
    )
    good = len(ok) == n and lost == 0 and duplicated == 0 and extra.status_code == 503
    return 0 if good else 1


def run_bench_sse(settings: Settings, *, clients: int, entries: int) -> int:
    prefix = f"benchsse{uuid.uuid4().hex[:8]}"
    keys = Keys(prefix)
    stream = keys.verdict_stream()
    extra = {
        **keys.stack_env(),
        "CLAIMCHECK_SSE_MAX_CLIENTS": str(clients),
        "CLAIMCHECK_LOG_LEVEL": "WARNING",
    }
    with process_group(Path("var/bench-sse") / prefix) as group:
        base_url, env = start_stack(group, settings, workers=0, extra_env=extra)
        rdb = redis.Redis.from_url(env["CLAIMCHECK_REDIS_URL"], decode_responses=True)
        try:
            return asyncio.run(
                _run(base_url, group, rdb, stream, f"{prefix}-sse", clients, entries)
            )
        finally:
            left = list(rdb.scan_iter(match=keys.under_prefix(), count=500))
            if left:
                rdb.delete(*left)
            rdb.close()


def run(args: argparse.Namespace, settings: Settings) -> int:
    return run_bench_sse(settings, clients=args.clients, entries=args.entries)


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers, "bench-sse", run, help="GET /v1/stream clients one intake holds at once"
    )
    p.add_argument("--clients", type=int, default=200, help="SSE clients to connect (default 200)")
    p.add_argument("--entries", type=int, default=20, help="entries written while they listen")
