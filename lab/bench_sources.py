"""``claimcheck-lab bench-sources``: how long a claim takes when a reference source is down.

For each scenario it starts Redis (if none answers), one worker (concurrency 1) and the
intake, then posts claims one at a time and times each from the POST to its verdict on
the stream. Scenarios, all with the knowledge base plus Wikipedia:

* ``kb only``: the knowledge base alone (the baseline);
* ``wikipedia refused``: ``CLAIMCHECK_WIKIPEDIA_URL`` points at a closed port;
* ``wikipedia hanging``: it points at a socket that accepts connections and never answers,
  so every search runs into the source's time budget until the circuit opens.

The target is a verdict, listing the failed source, within the source's time budget plus
one second.
"""

from __future__ import annotations

import argparse
import json
import socket
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import redis

from cli.commands import Subparsers, add_command
from cli.demo import start_stack
from cli.processes import free_port, process_group
from lab.bench import bench_claims
from shared.settings import Settings
from shared.store.keys import Keys
from shared.store.streams import decode_entry, last_id


@dataclass
class Scenario:
    name: str
    env: dict[str, str]
    budget_s: float | None
    latencies: list[float] = field(default_factory=list)
    failed_sources: list[str] = field(default_factory=list)
    reasons: set[str] = field(default_factory=set)


def _silent_listener() -> socket.socket:
    """A socket that accepts connections (kernel backlog) and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


def _run(settings: Settings, scenario: Scenario, claims: int, log_dir: Path) -> None:
    prefix = f"bsrc{uuid.uuid4().hex[:8]}"
    extra = {
        **Keys(prefix).stack_env(),
        "CLAIMCHECK_LOG_LEVEL": "WARNING",
        "CLAIMCHECK_SOURCE_CACHE_TTL_S": "0",
        **scenario.env,
    }
    with process_group(log_dir / prefix) as group:
        base_url, env = start_stack(group, settings, workers=1, concurrency=1, extra_env=extra)
        client = redis.Redis.from_url(env["CLAIMCHECK_REDIS_URL"], decode_responses=True)
        stream = extra["CLAIMCHECK_VERDICT_STREAM"]
        try:
            with httpx.Client(base_url=base_url, timeout=30.0) as http:
                texts = ["Warm-up claim about Da Nang.", *bench_claims(claims)]
                for i, text in enumerate(texts):
                    cursor = last_id(client, stream)
                    started = time.perf_counter()
                    response = http.post("/v1/claims", json={"text": text})
                    response.raise_for_status()
                    claim_id = response.json()["claim_id"]
                    verdict = _wait_verdict(client, stream, cursor, claim_id, timeout=120)
                    elapsed = time.perf_counter() - started
                    if i == 0:
                        continue  # the worker loads its models on the first claim
                    scenario.latencies.append(elapsed)
                    failures: list[dict[str, str]] = verdict.get("sources_failed") or []
                    for failure in failures:
                        scenario.failed_sources.append(failure["source"])
                        scenario.reasons.add(_reason_kind(failure["reason"]))
        finally:
            client.close()
            _delete_prefix(env["CLAIMCHECK_REDIS_URL"], prefix, extra)


def _wait_verdict(
    client: redis.Redis, stream: str, cursor: str, claim_id: str, *, timeout: float
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = client.xread({stream: cursor}, block=500, count=100)
        for stream_id, fields in batch[0][1] if batch else []:
            cursor = stream_id
            entry = decode_entry(stream_id, fields)
            if entry.type == "verdict" and entry.data.get("claim_id") == claim_id:
                return entry.data
    raise TimeoutError(f"no verdict for {claim_id} within {timeout:.0f}s")


def _reason_kind(reason: str) -> str:
    for kind in ("circuit open", "cannot reach", "within", "answered"):
        if kind in reason:
            return kind
    return reason[:40]


def _delete_prefix(url: str, prefix: str, extra: dict[str, str]) -> None:
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=Keys(prefix).named_after_prefix(), count=500))
        keys += list(client.scan_iter(match=Keys(prefix).kombu_bindings(), count=500))
        if keys:
            client.delete(*keys)
        client.delete(extra["CLAIMCHECK_VERDICT_STREAM"], extra["CLAIMCHECK_QUEUE_NAME"])
    finally:
        client.close()


def run_bench_sources(settings: Settings, *, claims: int) -> int:
    listener = _silent_listener()
    hanging_url = f"http://127.0.0.1:{listener.getsockname()[1]}/w/api.php"
    both = json.dumps(["knowledge_base", "wikipedia"])
    budget = settings.wikipedia_timeout_s
    scenarios = [
        Scenario("kb only", {"CLAIMCHECK_SOURCES": json.dumps(["knowledge_base"])}, None),
        Scenario(
            "wikipedia refused",
            {
                "CLAIMCHECK_SOURCES": both,
                "CLAIMCHECK_WIKIPEDIA_URL": f"http://127.0.0.1:{free_port()}/w/api.php",
            },
            budget,
        ),
        Scenario(
            "wikipedia hanging",
            {"CLAIMCHECK_SOURCES": both, "CLAIMCHECK_WIKIPEDIA_URL": hanging_url},
            budget,
        ),
    ]
    try:
        for scenario in scenarios:
            print(f"running {claims} claims one at a time: {scenario.name} ...", flush=True)
            _run(settings, scenario, claims, Path("var/bench-sources"))
    finally:
        listener.close()
    print()
    print(
        f"Wikipedia time budget {budget:g}s, {settings.source_retries} retries, circuit opens "
        f"after {settings.circuit_failures} failures (1 worker, concurrency 1, "
        f"{settings.stance_scorer} scorer)"
    )
    print("| scenario | claims | p50 ms | max ms | budget + 1 s met | failures listed | reasons |")
    print("|---|---|---|---|---|---|---|")
    for s in scenarios:
        ordered = sorted(s.latencies)
        p50 = ordered[len(ordered) // 2] * 1000 if ordered else float("nan")
        worst = ordered[-1] * 1000 if ordered else float("nan")
        met = "n/a" if s.budget_s is None else ("yes" if worst <= (s.budget_s + 1) * 1000 else "no")
        print(
            f"| {s.name} | {len(ordered)} | {p50:.0f} | {worst:.0f} | {met} | "
            f"{len(s.failed_sources)}/{len(ordered)} | {', '.join(sorted(s.reasons)) or '-'} |"
        )
    print()
    for s in scenarios:
        print(f"{s.name}, in order (ms): " + " ".join(f"{x * 1000:.0f}" for x in s.latencies))
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    return run_bench_sources(settings, claims=args.claims)


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers, "bench-sources", run, help="verdict latency with a reference source down"
    )
    p.add_argument("--claims", type=int, default=10, help="claims per scenario, one at a time")
