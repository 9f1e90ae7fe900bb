"""``claimcheck-lab bench``: end-to-end throughput and latency, POST to verdict on the stream.

For each worker count it runs the real verification task and a no-op task that only
publishes, through the same intake, Redis and Celery, and prints both and their ratio.

``--kb-docs N`` (``make bench``: 100,000) makes the workers search a real-sized knowledge
base built from the public data (:mod:`lab.kb_corpus`, cached under ``var/bench-kb``) with
distinct claims of the verification dev files; 0 keeps the starter corpus and the
synthetic claims. ``--rate R`` adds an open-loop run at the largest worker count: R claims
per second for ``--seconds`` whatever the verdicts do, latency counted from each claim's
scheduled submit time. Stance pairs/s is measured offline in the bench process (the
workers do not report how many pairs they scored): the real verifier on 200 claims against
the same knowledge base, pairs scored over the time spent in the stance scorer.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import redis

from cli.commands import Subparsers, add_command
from cli.demo import start_stack
from cli.processes import ProcessGroup, process_group
from shared.jsonl import iter_objects
from shared.settings import Settings
from shared.store.keys import Keys
from shared.store.streams import decode_entry, last_id
from shared.tasks import NOOP_TASK_NAME, VERIFY_TASK_NAME

if TYPE_CHECKING:
    from lab.kb_corpus import BenchKb
    from workers.verification.stance import StanceScore, StanceScorer

OFFLINE_CLAIMS = 200
"""Claims the offline stance measurement verifies."""
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
    worker_rss_max_mb: float = 0.0
    """The largest of one worker's (its main process and its pool children) RSS."""
    rate: float = 0.0
    """Submit rate of an open-loop run (claims/s); 0: as fast as the intake takes them."""

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
    settings: Settings,
    task: str,
    workers: int,
    texts: Sequence[str],
    rate: float,
    log_dir: Path,
    kb_path: Path | None = None,
) -> RunResult:
    """Post ``texts`` (at ``rate`` claims/s, open loop, or as fast as possible with 0) and
    time each one's verdict; ``kb_path``: the workers' knowledge base (else the starter)."""
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    extra = {
        **Keys(prefix).stack_env(),
        "CLAIMCHECK_VERIFY_TASK": task,
        "CLAIMCHECK_LOG_LEVEL": "WARNING",
        # worker processes on this machine share its cores: no oversubscription
        "CLAIMCHECK_ONNX_THREADS": str(max(1, (os.cpu_count() or 1) // workers)),
    }
    claims = len(texts)
    with process_group(log_dir / prefix) as group:
        base_url, env = start_stack(
            group, settings, workers=workers, concurrency=1, extra_env=extra, kb_path=kb_path
        )
        client = redis.Redis.from_url(env["CLAIMCHECK_REDIS_URL"], decode_responses=True)
        stream = extra["CLAIMCHECK_VERDICT_STREAM"]
        posted: dict[str, float] = {}
        arrived: dict[str, float] = {}
        lock = threading.Lock()
        with httpx.Client(base_url=base_url, timeout=30.0) as http:

            def post(text: str, scheduled: float | None = None) -> None:
                t0 = time.perf_counter() if scheduled is None else scheduled
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
                for i, text in enumerate(texts):
                    if rate > 0:
                        # open loop: claim i is due at start + i / rate, whatever came back;
                        # its latency counts from then (a stalled intake counts against it)
                        due = t_start + i / rate
                        time.sleep(max(0.0, due - time.perf_counter()))
                        pool.submit(post, text, due)
                    else:
                        pool.submit(post, text)
            deadline = time.monotonic() + 600
            while not set(posted).issubset(arrived.copy()) and time.monotonic() < deadline:
                time.sleep(0.1)
            stop.set()
            collector.join()
        total, largest = _worker_rss_mb(group, workers)
        t_end = max(arrived.values(), default=time.perf_counter())
        latencies = [arrived[c] - posted[c] for c in posted if c in arrived]
        if len(latencies) < claims:
            print(f"  warning: only {len(latencies)} of {claims} verdicts arrived")
        client.close()
    return RunResult(
        task, workers, claims, t_end - t_start, latencies, total, largest, rate=max(rate, 0.0)
    )


def _worker_rss_mb(group: ProcessGroup, workers: int) -> tuple[float, float]:
    """(all workers' RSS, the largest one worker's RSS) in MiB, pool children included."""
    import psutil

    sizes = []
    for n in range(1, workers + 1):
        main = psutil.Process(group.pid(f"worker{n}"))
        sizes.append(sum(p.memory_info().rss for p in [main, *main.children(recursive=True)]))
    return sum(sizes) / 2**20, max(sizes, default=0) / 2**20


def stance_throughput(settings: Settings, pairs: int = 2048) -> tuple[str, float]:
    """Batched (claim, sentence) pairs per second of the configured stance scorer."""
    from workers.context import build_scorer
    from workers.sources.knowledge_base.index import starter_corpus_path
    from workers.verification.sentences import split_sentences

    sentences: list[str] = []
    corpus = starter_corpus_path()
    with corpus.open(encoding="utf-8") as rows:
        for _, row in iter_objects(rows, where=str(corpus)):
            sentences += split_sentences(row["text"])
    claims = list(bench_claims(64))
    scorer = build_scorer(settings)
    per_claim = max(1, pairs // len(claims))
    scorer.score(claims[0], sentences[:8])  # load the model
    started = time.perf_counter()
    for i, claim in enumerate(claims):
        chunk = [sentences[(i * per_claim + k) % len(sentences)] for k in range(per_claim)]
        scorer.score(claim, chunk)
    return scorer.name, per_claim * len(claims) / (time.perf_counter() - started)


class _TimedScorer:
    """A stance scorer that counts the pairs it scores and the seconds it takes."""

    def __init__(self, inner: StanceScorer) -> None:
        self.inner = inner
        self.name = inner.name
        self.pairs = 0
        self.seconds = 0.0

    def score(
        self, claim: str, sentences: Sequence[str], *, context: Sequence[str] | None = None
    ) -> list[StanceScore]:
        started = time.perf_counter()
        scores = self.inner.score(claim, sentences, context=context)
        self.seconds += time.perf_counter() - started
        self.pairs += len(sentences)
        return scores

    def score_passage(self, claim: str, sentences: Sequence[str]) -> StanceScore:
        started = time.perf_counter()
        score = self.inner.score_passage(claim, sentences)
        self.seconds += time.perf_counter() - started
        self.pairs += 1
        return score


@dataclass(frozen=True)
class OfflineStance:
    """The real verifier in the bench process against the benchmark's knowledge base."""

    scorer: str
    threads: int
    claims: int
    seconds: float
    """Wall time of all the claims' checks (retrieval, stance scoring, decision)."""
    pairs: int
    scoring_seconds: float

    @property
    def pairs_per_second(self) -> float:
        return self.pairs / self.scoring_seconds if self.scoring_seconds else 0.0

    @property
    def claims_per_second(self) -> float:
        return self.claims / self.seconds if self.seconds else 0.0

    def describe(self) -> str:
        return (
            f"stance pairs/s (offline: real verifier in the bench process, 1 process, "
            f"{self.threads} onnx threads, {self.claims} claims against the same knowledge "
            f"base): {self.pairs_per_second:.0f} pairs/s ({self.pairs} pairs, "
            f"{self.pairs / max(1, self.claims):.1f} per claim, {self.scoring_seconds:.1f} s "
            f"in {self.scorer}); whole check {self.claims_per_second:.1f} claims/s, stance "
            f"scoring {100 * self.scoring_seconds / max(self.seconds, 1e-9):.0f} % of it"
        )


def offline_stance(settings: Settings, kb_path: Path, claims: Sequence[str]) -> OfflineStance:
    """Verify ``claims`` with :func:`workers.context.build_verifier` against ``kb_path``,
    timing the stance scorer; the first claims warm the models up and are not counted."""
    from workers.context import build_verifier, close_verifier

    verifier = build_verifier(settings.model_copy(update={"kb_path": kb_path}))
    try:
        for i, claim in enumerate(claims[:3]):
            verifier.verify(f"warm-{i}", claim, tolerate_source_errors=True)
        timed = _TimedScorer(verifier.scorer)
        verifier.scorer = timed
        started = time.perf_counter()
        for i, claim in enumerate(claims):
            verifier.verify(f"offline-{i}", claim, tolerate_source_errors=True)
        seconds = time.perf_counter() - started
    finally:
        close_verifier(verifier)
    return OfflineStance(
        timed.name, settings.onnx_threads, len(claims), seconds, timed.pairs, timed.seconds
    )


def run_bench(
    settings: Settings,
    *,
    claims: int,
    workers: str,
    rate: float = 0.0,
    seconds: float = 30.0,
    kb_docs: int = 0,
    data_dir: Path | None = None,
    kb_cache_dir: Path | None = None,
) -> int:
    from lab.kb_corpus import CACHE_DIR, DEFAULT_DATA_DIR, dev_claims, ensure_bench_kb

    counts = [int(n) for n in workers.split(",") if n.strip()]
    log_dir = Path("var/bench")
    data = data_dir or DEFAULT_DATA_DIR
    rate_claims = int(rate * seconds) if rate > 0 and counts else 0
    kb: BenchKb | None = None
    if kb_docs > 0:
        try:
            texts = dev_claims(data, max(claims, rate_claims, OFFLINE_CLAIMS))
            kb = ensure_bench_kb(settings, data, kb_docs, cache_dir=kb_cache_dir or CACHE_DIR)
        except (ValueError, OSError) as exc:
            print(f"claimcheck-lab bench: {exc}", file=sys.stderr)
            return 2
        print(f"claims: distinct claims of the verification dev files in {data}")
    else:
        texts = list(bench_claims(max(claims, rate_claims)))
        print("knowledge base: the starter corpus; claims: synthetic (`--kb-docs N` for more)")
    kb_path = kb.path if kb is not None else None
    results: list[RunResult] = []
    for n in counts if claims > 0 else []:
        for task in (VERIFY_TASK_NAME, NOOP_TASK_NAME):
            print(f"running {claims} claims, task {task}, {n} worker process(es) ...", flush=True)
            result = _one_run(settings, task, n, texts[:claims], 0.0, log_dir, kb_path)
            results.append(result)
            print(
                f"  {result.throughput:.1f} claims/s, p50 {result.percentile(0.5) * 1000:.0f} ms",
                flush=True,
            )
    paced: list[RunResult] = []
    if rate_claims:
        n = max(counts)
        print(
            f"running {rate:g} claims/s for {seconds:g} s ({rate_claims} claims), task "
            f"{VERIFY_TASK_NAME}, {n} worker process(es) ...",
            flush=True,
        )
        result = _one_run(
            settings, VERIFY_TASK_NAME, n, texts[:rate_claims], rate, log_dir, kb_path
        )
        paced.append(result)
        print(f"  p95 {result.percentile(0.95) * 1000:.0f} ms", flush=True)
    print()
    if kb is not None:
        print(kb.describe())
    _print_table(results)
    _print_paced(paced)
    if kb is not None:
        print("\n" + offline_stance(settings, kb.path, texts[:OFFLINE_CLAIMS]).describe())
    else:
        name, rate_pairs = stance_throughput(settings)
        print(
            f"\nstance scoring ({name}, batch {settings.onnx_batch_size}, "
            f"{settings.onnx_threads} threads): {rate_pairs:.0f} pairs/s"
        )
    if results:
        mean = statistics.fmean(r.throughput for r in results)
        print(f"(mean throughput over runs: {mean:.1f} claims/s; machine: {os.cpu_count()} cores)")
    return 0


def _print_table(results: Sequence[RunResult]) -> None:
    if not results:
        return
    print(
        "| task | workers | claims | claims/s | p50 ms | p95 ms | p99 ms | vs no-op "
        "| worker RSS MiB | max per worker MiB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    baseline = {r.workers: r.throughput for r in results if r.task == NOOP_TASK_NAME}
    for r in results:
        ratio = r.throughput / baseline[r.workers] if baseline.get(r.workers) else float("nan")
        print(
            f"| {r.task.split('.')[-1]} | {r.workers} | {len(r.latencies)} | "
            f"{r.throughput:.1f} | {r.percentile(0.5) * 1000:.0f} | "
            f"{r.percentile(0.95) * 1000:.0f} | {r.percentile(0.99) * 1000:.0f} | {ratio:.2f} "
            f"| {r.worker_rss_mb:.0f} | {r.worker_rss_max_mb:.0f} |"
        )


def _print_paced(results: Sequence[RunResult]) -> None:
    """The open-loop runs: latency at a fixed submit rate."""
    if not results:
        return
    print(
        "\n| task | workers | rate claims/s | claims | verdicts/s | p50 ms | p95 ms | p99 ms "
        "| worker RSS MiB | max per worker MiB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.task.split('.')[-1]} | {r.workers} | {r.rate:g} | {len(r.latencies)} | "
            f"{r.throughput:.1f} | {r.percentile(0.5) * 1000:.0f} | "
            f"{r.percentile(0.95) * 1000:.0f} | {r.percentile(0.99) * 1000:.0f} "
            f"| {r.worker_rss_mb:.0f} | {r.worker_rss_max_mb:.0f} |"
        )


def run(args: argparse.Namespace, settings: Settings) -> int:
    return run_bench(
        settings,
        claims=args.claims,
        workers=args.workers,
        rate=args.rate,
        seconds=args.seconds,
        kb_docs=args.kb_docs,
        data_dir=args.data_dir,
        kb_cache_dir=args.kb_cache_dir,
    )


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers, "bench", run, help="end-to-end throughput and latency through the API"
    )
    p.add_argument(
        "--claims", type=int, default=500, help="claims per as-fast-as-possible run (0: none)"
    )
    p.add_argument("--workers", default="1,2", help="worker process counts to run")
    p.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="also an open-loop run at this many claims/s, at the largest worker count (0: none)",
    )
    p.add_argument("--seconds", type=float, default=30.0, help="length of the --rate run")
    p.add_argument(
        "--kb-docs",
        type=int,
        default=0,
        help="search a knowledge base of this many documents built from --data-dir, with "
        "dev-file claims (cached in --kb-cache-dir); 0: the starter corpus, synthetic claims",
    )
    p.add_argument("--data-dir", type=Path, default=None, help="default: ../shared/data")
    p.add_argument("--kb-cache-dir", type=Path, default=None, help="default: var/bench-kb")
