"""``claimcheck-lab bench-fairness``: one newsroom's latency while another floods the intake.

One intake process, two newsrooms. The greedy one posts long articles that hold no claim
(``--greedy`` of them at a time, ``--chars`` characters each: reading them is the intake's
CPU work, and no claim budget is spent); the other posts ``--claims`` lone claims one after
another. Printed: the other newsroom's ``POST /v1/claims`` latency, p50 and max, for each
``--gates`` value of ``CLAIMCHECK_EXTRACTION_PER_NEWSROOM`` (a large one is the old,
ungated behaviour). The characters-per-minute limit is off here, so only the gate acts.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import threading
import time

import httpx

from cli.commands import Subparsers, add_command
from cli.processes import free_port, http_ready, process_group, python_module, wait_until
from shared.settings import Settings
from shared.store.keys import Keys

_FILLER = "the of and to in a is that for it as was with be by on not he this are or his"


def claimless_text(chars: int) -> str:
    """Text of function words only: the extractor reads it all and finds no claim."""
    words = _FILLER.split()
    return " ".join(words[i % len(words)] for i in range(chars // 3))[:chars]


def _intake_env(settings: Settings, port: int, gate: int, keys: dict[str, str]) -> dict[str, str]:
    import json

    ns = f"fair{port}"
    return {
        "CLAIMCHECK_REDIS_URL": settings.redis_url,
        "CLAIMCHECK_PORT": str(port),
        "CLAIMCHECK_AUTH_ENABLED": "true",
        "CLAIMCHECK_API_KEYS": json.dumps(keys),
        **Keys(ns).stack_env(),
        "CLAIMCHECK_RATE_LIMIT_CHARS_PER_MIN": "0",
        "CLAIMCHECK_RATE_LIMIT_REQUESTS_PER_MIN": "0",
        "CLAIMCHECK_RATE_LIMIT_CLAIMS_PER_MIN": "0",
        "CLAIMCHECK_EXTRACTION_PER_NEWSROOM": str(gate),
        "CLAIMCHECK_REQUEUE_INTERVAL_S": "0",
        "CLAIMCHECK_REQUEST_TIMEOUT_S": "300",
    }


def measure(settings: Settings, *, gate: int, greedy: int, chars: int, claims: int) -> list[float]:
    """The other newsroom's claim latencies (seconds) under the flood."""
    keys = {"greedy": secrets.token_urlsafe(32), "other": secrets.token_urlsafe(32)}
    port = free_port()
    text = claimless_text(chars)
    with process_group() as group:
        group.start(
            "intake", python_module("cli", "serve"), _intake_env(settings, port, gate, keys)
        )
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_ready(f"{base}/readyz"), timeout=60, what="intake", group=group)
        stop = threading.Event()

        def flood() -> None:
            with httpx.Client(
                base_url=base, timeout=300, headers={"X-API-Key": keys["greedy"]}
            ) as c:
                while not stop.is_set():
                    c.post("/v1/articles", json={"text": text})

        threads = [threading.Thread(target=flood, daemon=True) for _ in range(greedy)]
        for thread in threads:
            thread.start()
        time.sleep(3.0)  # the flood is under way
        latencies = []
        with httpx.Client(base_url=base, timeout=300, headers={"X-API-Key": keys["other"]}) as c:
            for i in range(claims):
                started = time.perf_counter()
                answer = c.post("/v1/claims", json={"text": f"GDP grew by {i}.8 percent in 2017."})
                latencies.append(time.perf_counter() - started)
                answer.raise_for_status()
        stop.set()
        for thread in threads:
            thread.join(timeout=300)
    return latencies


def run(args: argparse.Namespace, settings: Settings) -> int:
    for gate in args.gates:
        lat = measure(settings, gate=gate, greedy=args.greedy, chars=args.chars, claims=args.claims)
        print(
            f"extraction per newsroom {gate}: the other newsroom's POST /v1/claims "
            f"p50 {statistics.median(lat):.2f} s, max {max(lat):.2f} s ({len(lat)} claims; "
            f"{args.greedy} x {args.chars:,}-character articles in flight)"
        )
    return 0


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers,
        "bench-fairness",
        run,
        help="one newsroom's claim latency while another floods the intake with long articles",
    )
    p.add_argument("--gates", type=int, nargs="+", default=[1, 100], help="default: 1 100")
    p.add_argument("--greedy", type=int, default=4, help="articles in flight (default 4)")
    p.add_argument("--chars", type=int, default=199_000, help="article size (default 199,000)")
    p.add_argument("--claims", type=int, default=10, help="claims of the other newsroom")
