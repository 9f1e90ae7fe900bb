"""``claimcheck bench``: end-to-end throughput and latency, POST to verdict on the stream.

For each worker count it runs the real verification task and a no-op task that only
publishes, through the same intake, Redis and Celery, and prints both and their ratio.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis

from cli.demo import start_stack
from cli.processes import ProcessGroup, process_group
from shared.schemas import NOOP_TASK_NAME, VERIFY_TASK_NAME
from shared.settings import Settings
from shared.streams import decode_entry, last_id

_SUBJECTS = [
    "The APEC summit of {y} was held in Da Nang, Vietnam.",
    "UN Security Council resolution 2254 was adopted in {y}.",
    "Dmitry Peskov has been the Kremlin's press secretary since {y}.",
    "Donald Trump and Vladimir Putin met {n} times in Da Nang in {y}.",
    "The Geneva communique on Syria was agreed in {y}.",
    "North Korea carried out {n} nuclear tests before {y}.",
    "The joint statement on Syria was released on {n} November {y}.",
    "Air Force One carried the US president to Vietnam in {y}.",
    "The Islamic State lost {n} percent of its territory in {y}.",
    "Russia's foreign ministry approved the statement in {y}.",
]


def bench_claims(count: int) -> Iterator[str]:
    """Distinct, plausible claims about the seed article's subjects."""
    for i in range(count):
        template = _SUBJECTS[i % len(_SUBJECTS)]
        yield template.format(y=1990 + (i // len(_SUBJECTS)) % 40, n=2 + i % 7) + f" (#{i})"


@dataclass(frozen=True)
class RunResult:
    task: str
    workers: int
    claims: int
    seconds: float
    latencies: list[float]
    worker_rss_mb: float
    """Resident memory of all worker processes (main and pool) at the end of the run."""

    @property
    def throughput(self) -> float:
        return self.claims / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _collect(
    client: redis.Redis, stream: str, start: str, arrived: dict[str, float], stop: threading.Event
) -> None:
    """Record when each claim's verdict shows up on the stream, until told to stop."""
    cursor = start
    while not stop.is_set():
        batch = client.xread({stream: cursor}, block=500, count=500)
        now = time.perf_counter()
        for stream_id, fields in batch[0][1] if batch else []:
            cursor = stream_id
            entry = decode_entry(stream_id, fields)
            if entry.type == "verdict":
                arrived.setdefault(str(entry.data["claim_id"]), now)


def _one_run(
    settings: Settings, task: str, workers: int, claims: int, rate: float, log_dir: Path
) -> RunResult:
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    extra = {
        "CLAIMCHECK_KEY_PREFIX": prefix,
        "CLAIMCHECK_VERDICT_STREAM": f"{prefix}:verdicts",
        "CLAIMCHECK_QUEUE_NAME": f"{prefix}.verify",
        "CLAIMCHECK_VERIFY_TASK": task,
        "CLAIMCHECK_LOG_LEVEL": "WARNING",
        # worker processes on this machine share its cores: no oversubscription
        "CLAIMCHECK_ONNX_THREADS": str(max(1, (os.cpu_count() or 1) // workers)),
    }
    with process_group(log_dir / prefix) as group:
        base_url, env = start_stack(
            group, settings, workers=workers, concurrency=1, extra_env=extra
        )
        client = redis.Redis.from_url(env["CLAIMCHECK_REDIS_URL"], decode_responses=True)
        stream = extra["CLAIMCHECK_VERDICT_STREAM"]
        posted: dict[str, float] = {}
        arrived: dict[str, float] = {}
        lock = threading.Lock()
        with httpx.Client(base_url=base_url, timeout=30.0) as http:

            def post(text: str) -> None:
                t0 = time.perf_counter()
                response = http.post("/v1/claims", json={"text": text})
                response.raise_for_status()
                with lock:
                    posted[response.json()["claim_id"]] = t0

            # warm-up: every worker loads its models and connects before timing starts
            warm = [f"Warm-up claim number {i} about Da Nang." for i in range(4 * workers)]
            for text in warm:
                post(text)
            deadline = time.monotonic() + 120
            cursor = "0-0"
            while len(arrived) < len(warm) and time.monotonic() < deadline:
                batch = client.xread({stream: cursor}, block=500, count=100)
                for stream_id, _ in batch[0][1] if batch else []:
                    cursor = stream_id
                    arrived[stream_id] = 0.0
            posted.clear()
            arrived.clear()

            stop = threading.Event()
            collector = threading.Thread(
                target=_collect, args=(client, stream, last_id(client, stream), arrived, stop)
            )
            collector.start()
            t_start = time.perf_counter()
            with ThreadPoolExecutor(max_workers=8) as pool:
                for i, text in enumerate(bench_claims(claims)):
                    if rate > 0:
                        time.sleep(max(0.0, t_start + i / rate - time.perf_counter()))
                    pool.submit(post, text)
            deadline = time.monotonic() + 600
            while not set(posted).issubset(arrived.copy()) and time.monotonic() < deadline:
                time.sleep(0.1)
            stop.set()
            collector.join()
        rss = _worker_rss_mb(group, workers)
        t_end = max(arrived.values(), default=time.perf_counter())
        latencies = [arrived[c] - posted[c] for c in posted if c in arrived]
        if len(latencies) < claims:
            print(f"  warning: only {len(latencies)} of {claims} verdicts arrived")
        client.close()
    return RunResult(task, workers, claims, t_end - t_start, latencies, rss)


def _worker_rss_mb(group: ProcessGroup, workers: int) -> float:
    import psutil

    total = 0
    for n in range(1, workers + 1):
        main = psutil.Process(group.pid(f"worker{n}"))
        total += sum(p.memory_info().rss for p in [main, *main.children(recursive=True)])
    return total / 2**20


def stance_throughput(settings: Settings, pairs: int = 2048) -> tuple[str, float]:
    """Batched (claim, sentence) pairs per second of the configured stance scorer."""
    from workers.context import build_scorer
    from workers.sources.knowledge_base import starter_corpus_path
    from workers.verification.sentences import split_sentences

    sentences: list[str] = []
    with starter_corpus_path().open(encoding="utf-8") as rows:
        for line in rows:
            sentences += split_sentences(json.loads(line)["text"])
    claims = list(bench_claims(64))
    scorer = build_scorer(settings)
    per_claim = max(1, pairs // len(claims))
    scorer.score(claims[0], sentences[:8])  # load the model
    started = time.perf_counter()
    for i, claim in enumerate(claims):
        chunk = [sentences[(i * per_claim + k) % len(sentences)] for k in range(per_claim)]
        scorer.score(claim, chunk)
    return scorer.name, per_claim * len(claims) / (time.perf_counter() - started)


def run_bench(settings: Settings, *, claims: int, workers: str, rate: float) -> int:
    counts = [int(n) for n in workers.split(",") if n.strip()]
    log_dir = Path("var/bench")
    results: list[RunResult] = []
    for n in counts:
        for task in (VERIFY_TASK_NAME, NOOP_TASK_NAME):
            print(f"running {claims} claims, task {task}, {n} worker process(es) ...", flush=True)
            result = _one_run(settings, task, n, claims, rate, log_dir)
            results.append(result)
            print(
                f"  {result.throughput:.1f} claims/s, p50 {result.percentile(0.5) * 1000:.0f} ms",
                flush=True,
            )
    print()
    print(
        "| task | workers | claims | claims/s | p50 ms | p95 ms | p99 ms | vs no-op "
        "| worker RSS MiB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    baseline = {r.workers: r.throughput for r in results if r.task == NOOP_TASK_NAME}
    for r in results:
        ratio = r.throughput / baseline[r.workers] if baseline.get(r.workers) else float("nan")
        print(
            f"| {r.task.split('.')[-1]} | {r.workers} | {len(r.latencies)} | "
            f"{r.throughput:.1f} | {r.percentile(0.5) * 1000:.0f} | "
            f"{r.percentile(0.95) * 1000:.0f} | {r.percentile(0.99) * 1000:.0f} | {ratio:.2f} "
            f"| {r.worker_rss_mb:.0f} |"
        )
    name, rate_pairs = stance_throughput(settings)
    print(
        f"\nstance scoring ({name}, batch {settings.onnx_batch_size}, "
        f"{settings.onnx_threads} threads): {rate_pairs:.0f} pairs/s"
    )
    if results:
        mean = statistics.fmean(r.throughput for r in results)
        print(f"(mean throughput over runs: {mean:.1f} claims/s; machine: 2 cores)")
    return 0
