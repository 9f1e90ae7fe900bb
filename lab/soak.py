"""``claimcheck-lab soak``: sustained load through the HTTP API while a chaos loop kills
workers (``make soak``).

    claimcheck-lab soak [--seconds 600] [--rate 50] [--workers 2] [--scorer lexical]

Starts a private ``redis-server`` (never the shared one), the intake and the workers; an
open-loop generator posts distinct claims to ``POST /v1/claims`` at a fixed rate (each
POST is scheduled at ``start + i / rate`` whatever earlier ones did), a collector reads
the verdict stream, and a chaos loop SIGKILLs a random worker (its whole process group)
every 30 to 60 s and starts it again. Every 30 s the ``claimcheck requeue`` sweep runs, as
an operator's cron job would. When the load stops it waits for the backlog to drain,
then checks every accepted claim on the stream by id and prints::

    accepted=N published=N lost=N duplicated=N
    errors=N error_rate=x.xx%
    latency submit->verdict ms: p50=... p95=... p99=... max=...
    memory (RSS MiB) per process at start and end

Exit status 1 when a claim was lost or published twice. Everything it runs is configured
by its options and the loaded settings; the processes it starts get their settings as
``CLAIMCHECK_*`` variables of their own environment.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import redis

from cli.commands import Subparsers, add_command
from cli.processes import (
    ProcessGroup,
    free_port,
    http_ready,
    process_group,
    python_module,
    start_private_redis,
    wait_until,
)
from lab.bench import bench_claims
from shared.settings import Settings, load_settings
from shared.store.keys import Keys
from shared.store.streams import decode_entry

REQUEUE_EVERY_S = 30.0
DRAIN_TIMEOUT_S = 120.0


@dataclass
class Tally:
    """What the load generator and the collector saw; guarded by ``lock``."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    submitted: dict[str, float] = field(default_factory=dict)
    arrived: dict[str, float] = field(default_factory=dict)
    attempts: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    late_posts: int = 0


@dataclass
class Stack:
    group: ProcessGroup
    env: dict[str, str]
    base_url: str
    redis_url: str
    workers: int
    concurrency: int
    killed: set[str] = field(default_factory=set)

    def start_worker(self, n: int) -> None:
        argv = python_module(
            "cli", "worker", "--concurrency", str(self.concurrency), "--hostname", f"w{n}@%h"
        )
        self.group.start(f"worker{n}", argv, self.env)

    def kill_worker(self, n: int) -> None:
        pid = self.group.pid(f"worker{n}")
        os.killpg(pid, signal.SIGKILL)
        self.group.stop(f"worker{n}")
        self.start_worker(n)
        self.killed.add(f"worker{n}")


def _rss_mib(pid: int) -> float:
    try:
        main = psutil.Process(pid)
        procs = [main, *main.children(recursive=True)]
        return sum(p.memory_info().rss for p in procs if p.is_running()) / 2**20
    except psutil.Error:
        return float("nan")


def _memory(stack: Stack) -> dict[str, float]:
    names = ["intake", "redis", *[f"worker{n}" for n in range(1, stack.workers + 1)]]
    return {name: _rss_mib(stack.group.pid(name)) for name in names}


def _start(
    group: ProcessGroup, args: argparse.Namespace, settings: Settings, kb_path: Path
) -> Stack:
    from workers.components import knowledge_base_config
    from workers.context import build_process_embedder
    from workers.sources.knowledge_base.index import starter_corpus_path
    from workers.sources.registry import open_knowledge_base

    redis_url = start_private_redis(group)
    settings = settings.model_copy(
        update={"stance_scorer": args.scorer, "sources": ["knowledge_base"]}
    )
    kb = open_knowledge_base(
        knowledge_base_config(settings), build_process_embedder(settings), kb_path
    )
    try:
        kb.import_jsonl(starter_corpus_path())
    finally:
        kb.close()
    prefix = f"soak{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = {
        "CLAIMCHECK_REDIS_URL": redis_url,
        "CLAIMCHECK_BROKER_URL": redis_url,
        **Keys(prefix).stack_env(),
        "CLAIMCHECK_AUTH_ENABLED": "false",
        "CLAIMCHECK_RATE_LIMIT_REQUESTS_PER_MIN": "0",
        "CLAIMCHECK_RATE_LIMIT_CLAIMS_PER_MIN": "0",
        "CLAIMCHECK_HOST": "127.0.0.1",
        "CLAIMCHECK_PORT": str(port),
        "CLAIMCHECK_KB_PATH": str(kb_path),
        "CLAIMCHECK_STANCE_SCORER": args.scorer,
        "CLAIMCHECK_ONNX_THREADS": "1",
        "CLAIMCHECK_LOG_LEVEL": "WARNING",
        # a worker killed mid-job: its messages come back after the visibility timeout
        "CLAIMCHECK_TASK_TIME_LIMIT_S": "20",
        "CLAIMCHECK_TASK_SOFT_TIME_LIMIT_S": "15",
        "CLAIMCHECK_VISIBILITY_TIMEOUT_S": str(args.visibility_timeout),
    }
    stack = Stack(group, env, f"http://127.0.0.1:{port}", redis_url, args.workers, 1)
    for n in range(1, args.workers + 1):
        stack.start_worker(n)
    group.start("intake", python_module("cli", "serve"), env)
    url = f"{stack.base_url}/readyz"
    wait_until(lambda: http_ready(url), timeout=120, what="intake", group=group)
    return stack


def _collect(
    client: redis.Redis, stream: str, tally: Tally, counts: Counter[str], stop: threading.Event
) -> None:
    cursor = "0-0"
    while not stop.is_set():
        try:
            batch = client.xread({stream: cursor}, block=500, count=1000)
        except redis.RedisError:
            time.sleep(0.5)
            continue
        now = time.perf_counter()
        for stream_id, fields in batch[0][1] if batch else []:
            cursor = stream_id
            entry = decode_entry(stream_id, fields)
            if entry.type != "verdict":
                continue
            claim_id = str(entry.data["claim_id"])
            counts[claim_id] += 1
            with tally.lock:
                tally.arrived.setdefault(claim_id, now)


def _generate(
    http: httpx.Client, args: argparse.Namespace, tally: Tally, stop: threading.Event
) -> None:
    def post(text: str) -> None:
        t0 = time.perf_counter()
        try:
            response = http.post("/v1/claims", json={"text": text})
        except httpx.HTTPError as exc:
            with tally.lock:
                tally.errors[type(exc).__name__] += 1
            return
        with tally.lock:
            if response.status_code == 202:
                tally.submitted[response.json()["claim_id"]] = t0
            else:
                tally.errors[f"HTTP {response.status_code}"] += 1

    total = int(args.seconds * args.rate)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=32) as pool:
        for i, text in enumerate(bench_claims(total)):
            if stop.is_set():
                break
            delay = start + i / args.rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            elif delay < -1.0:
                tally.late_posts += 1
            with tally.lock:
                tally.attempts += 1
            pool.submit(post, f"{text} [soak]")


def _chaos(stack: Stack, rng: random.Random, stop: threading.Event, log: list[str]) -> None:
    started = time.monotonic()
    while not stop.wait(rng.uniform(30.0, 60.0)):
        n = rng.randint(1, stack.workers)
        stack.kill_worker(n)
        line = f"  t={time.monotonic() - started:5.0f}s SIGKILL worker{n} (restarted)"
        log.append(line)
        print(line, flush=True)


def _sample_intake(stack: Stack, stop: threading.Event, samples: list[tuple[float, float]]) -> None:
    """The intake's RSS every minute of the load: is it a plateau or a slope?"""
    started = time.monotonic()
    pid = stack.group.pid("intake")
    while not stop.wait(60.0):
        samples.append((time.monotonic() - started, _rss_mib(pid)))


def _sweep(stack: Stack, stop: threading.Event, requeued: list[int]) -> None:
    from shared.requeue import requeue_stale
    from shared.settings_configs import broker_config, store_config
    from shared.store.claims import ClaimStore
    from shared.store.client import make_redis
    from shared.tasks import CeleryEnqueuer

    settings = load_settings(
        **{k.removeprefix("CLAIMCHECK_").lower(): v for k, v in stack.env.items()}
    )
    client = make_redis(settings)
    enqueuer = CeleryEnqueuer(broker_config(settings))
    try:
        while not stop.wait(REQUEUE_EVERY_S):
            try:
                ids = requeue_stale(
                    ClaimStore(client, store_config(settings)),
                    enqueuer,
                    older_than_s=REQUEUE_EVERY_S,
                )
            except Exception as exc:  # a sweep that fails is tried again next time
                print(f"  requeue sweep failed: {exc}", flush=True)
                continue
            requeued.append(len(ids))
    finally:
        enqueuer.close()
        client.close()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def run_soak(args: argparse.Namespace, settings: Settings) -> int:
    print(
        f"soak: {args.rate:g} claims/s for {args.seconds:g}s, {args.workers} workers "
        f"(concurrency 1), scorer {args.scorer}, a worker SIGKILLed every 30-60 s; "
        f"{os.cpu_count()} cores",
        flush=True,
    )
    with process_group(Path(args.log_dir)) as group:
        stack = _start(group, args, settings, Path(args.log_dir) / "kb.sqlite3")
        client = redis.Redis.from_url(stack.redis_url, decode_responses=True)
        stream = stack.env["CLAIMCHECK_VERDICT_STREAM"]
        tally = Tally()
        counts: Counter[str] = Counter()
        stop_collect, stop_chaos, stop_sweep = (
            threading.Event(),
            threading.Event(),
            threading.Event(),
        )
        collector = threading.Thread(
            target=_collect, args=(client, stream, tally, counts, stop_collect)
        )
        collector.start()
        # warm-up: every worker has built its resources before the clock starts
        with httpx.Client(base_url=stack.base_url, timeout=30.0) as http:
            for i in range(4 * args.workers):
                http.post("/v1/claims", json={"text": f"Warm-up claim {i} about Da Nang."})
            time.sleep(3.0)
        mem_start = _memory(stack)
        kills: list[str] = []
        requeued: list[int] = []
        rng = random.Random(args.seed)
        chaos = threading.Thread(target=_chaos, args=(stack, rng, stop_chaos, kills))
        sweeper = threading.Thread(target=_sweep, args=(stack, stop_sweep, requeued))
        samples: list[tuple[float, float]] = [(0.0, mem_start["intake"])]
        sampler = threading.Thread(target=_sample_intake, args=(stack, stop_chaos, samples))
        limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
        with httpx.Client(base_url=stack.base_url, timeout=30.0, limits=limits) as http:
            chaos.start()
            sampler.start()
            sweeper.start()
            t0 = time.perf_counter()
            _generate(http, args, tally, threading.Event())
            load_s = time.perf_counter() - t0
        stop_chaos.set()
        chaos.join()
        sampler.join()
        print(f"load done in {load_s:.0f}s; draining ...", flush=True)
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        while time.monotonic() < deadline:  # the requeue sweep goes on while draining
            with tally.lock:
                if set(tally.submitted) <= set(tally.arrived):
                    break
            time.sleep(0.5)
        stop_sweep.set()
        sweeper.join()
        mem_end = _memory(stack)
        stop_collect.set()
        collector.join()
        # the authoritative check: the whole stream, by claim id
        on_stream: Counter[str] = Counter()
        for stream_id, fields in client.xrange(stream):
            entry = decode_entry(stream_id, fields)
            if entry.type == "verdict":
                on_stream[str(entry.data["claim_id"])] += 1
        client.close()
    accepted = set(tally.submitted)
    published = {c for c in accepted if on_stream[c] >= 1}
    duplicated = [c for c in accepted if on_stream[c] > 1]
    lost = accepted - published
    latencies = [tally.arrived[c] - tally.submitted[c] for c in accepted if c in tally.arrived]
    errors = sum(tally.errors.values())
    print()
    print(
        f"accepted={len(accepted)} published={len(published)} "
        f"lost={len(lost)} duplicated={len(duplicated)}"
    )
    rate = errors / tally.attempts if tally.attempts else 0.0
    detail = ", ".join(f"{k}: {v}" for k, v in tally.errors.most_common()) or "none"
    print(
        f"errors={errors} error_rate={rate:.2%} ({detail}); "
        f"posts sent over 1 s late: {tally.late_posts}"
    )
    print(
        "latency submit->verdict ms: "
        + " ".join(
            f"{name}={_percentile(latencies, q) * 1000:.0f}"
            for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))
        )
    )
    print(f"achieved rate: {len(accepted) / load_s:.1f} accepted claims/s over {load_s:.0f}s")
    print(f"worker kills: {len(kills)}; claims re-sent by the requeue sweep: {sum(requeued)}")
    print("memory (RSS MiB, process and its children): start -> end")
    for name in mem_start:
        a, b = mem_start[name], mem_end[name]
        growth = (b - a) / a if a else float("nan")
        note = " (a new process: killed and restarted)" if name in stack.killed else ""
        print(f"  {name:8s} {a:7.1f} -> {b:7.1f}  ({growth:+.1%}){note}")
    print("intake RSS MiB per minute of load: " + " ".join(f"{m:.0f}" for _, m in samples))
    after_warmup = [m for t, m in samples if t >= 60.0]
    if len(after_warmup) >= 2:
        first, last = after_warmup[0], mem_end["intake"]
        print(
            f"intake growth after the first minute: {first:.1f} -> {last:.1f} "
            f"({(last - first) / first:+.1%})"
        )
    if lost:
        print(f"lost claims (first 10): {sorted(lost)[:10]}")
    return 1 if lost or duplicated else 0


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers,
        "soak",
        run_soak,
        help="sustained load through the API while workers are SIGKILLed",
    )
    p.add_argument("--seconds", type=float, default=600.0, help="length of the load (default 600)")
    p.add_argument("--rate", type=float, default=50.0, help="claims posted per second (default 50)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument(
        "--scorer",
        choices=["lexical", "onnx"],
        default="lexical",
        help="stance scorer of the workers (default lexical)",
    )
    p.add_argument(
        "--visibility-timeout",
        type=int,
        default=30,
        help="seconds before a killed worker's jobs are delivered again (default 30)",
    )
    p.add_argument("--seed", type=int, default=7, help="seed of the chaos loop's choices")
    p.add_argument("--log-dir", default="var/soak", help="process logs and the knowledge base")
