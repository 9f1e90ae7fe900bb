"""``claimcheck demo``: start a private Redis, a worker and the intake; check the seed article.

Everything the demo starts is stopped again on exit, on Ctrl-C and on SIGTERM. By default
the demo's Redis is its own throw-away ``redis-server`` (no persistence, in the log
directory), so it never writes into a Redis someone else uses. With ``--redis-url`` it uses
that Redis instead, under a namespace of its own (``claimcheck-demo-<random>``: key prefix,
stream, queue and worker names), and deletes everything under that namespace on exit.
"""

from __future__ import annotations

import argparse
import secrets
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import redis

from cli.commands import Subparsers, add_command
from cli.output import format_completed, format_verdict
from cli.processes import (
    ProcessGroup,
    free_port,
    http_ready,
    process_group,
    python_module,
    redis_answers,
    start_private_redis,
    wait_until,
)
from cli.submit import make_client, wait_for_verdicts
from shared.settings import Settings
from shared.store.keys import KOMBU_BINDINGS, Keys

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_ARTICLE = REPO_ROOT / "examples" / "danang-article.txt"
DEFAULT_LOG_DIR = Path("var/demo")
"""Where the demo keeps its processes' logs and its knowledge base unless told otherwise."""


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def start_stack(
    group: ProcessGroup,
    settings: Settings,
    *,
    workers: int = 1,
    concurrency: int = 2,
    extra_env: dict[str, str] | None = None,
    kb_path: Path | None = None,
    private_redis: bool = False,
) -> tuple[str, dict[str, str]]:
    """Start Redis (a private one, or where none answers), the knowledge base, workers and
    the intake.

    The knowledge base is the starter corpus imported into the group's log directory, or
    ``kb_path`` (an existing knowledge-base file, used as it is) when given. Returns the
    intake's base URL and the environment the children run with.
    """
    from workers.components import knowledge_base_config
    from workers.context import build_process_embedder
    from workers.sources.knowledge_base.index import starter_corpus_path
    from workers.sources.registry import open_knowledge_base

    redis_url = settings.redis_url
    if private_redis:
        redis_url = start_private_redis(group)
        print(f"started a private Redis at {redis_url} (removed on exit)")
    elif redis_answers(redis_url):
        print(f"using Redis at {redis_url}")
    else:
        redis_url = start_private_redis(group)
        print(f"no Redis at {settings.redis_url}; started a private one at {redis_url}")
    if kb_path is None:
        kb_path = group.log_dir / "kb.sqlite3"
        kb = open_knowledge_base(
            knowledge_base_config(settings), build_process_embedder(settings), kb_path
        )
        try:
            kb.import_jsonl(starter_corpus_path())
            print(f"knowledge base: {kb.count()} documents (starter corpus)")
        finally:
            kb.close()
    port = free_port()
    worker = (extra_env or {}).get("CLAIMCHECK_KEY_PREFIX", "w")
    env = {
        "CLAIMCHECK_REDIS_URL": redis_url,
        "CLAIMCHECK_BROKER_URL": redis_url,
        "CLAIMCHECK_AUTH_ENABLED": "false",
        "CLAIMCHECK_HOST": "127.0.0.1",
        "CLAIMCHECK_PORT": str(port),
        "CLAIMCHECK_KB_PATH": str(kb_path.resolve()),
        **(extra_env or {}),
    }
    for n in range(1, workers + 1):
        group.start(
            f"worker{n}",
            python_module(
                "cli", "worker", "--concurrency", str(concurrency), "--hostname", f"{worker}{n}@%h"
            ),
            env,
        )
    group.start("intake", python_module("cli", "serve"), env)
    base_url = f"http://127.0.0.1:{port}"
    wait_until(lambda: http_ready(f"{base_url}/readyz"), timeout=60, what="intake", group=group)
    return base_url, env


@dataclass(frozen=True)
class Expected:
    match: str
    """A phrase of the claim's source text that identifies it."""
    label: str


@dataclass(frozen=True)
class DemoScore:
    claims: int
    decided: int
    """Verdicts published without review."""
    decided_correctly: int
    """Of those, the ones whose label is the editor's (``*.expected.jsonl``)."""
    unmatched: int
    """Claims no expected row names."""

    def __str__(self) -> str:
        text = (
            f"decided without review: {self.decided} of {self.claims} claims; "
            f"{self.decided_correctly} of them as the editor labelled them "
            f"({self.claims - self.decided} need review)"
        )
        return text + (f"; {self.unmatched} claims have no editor label" if self.unmatched else "")


def read_expected(path: Path) -> list[Expected]:
    """An article's editor labels: JSONL rows ``{"match", "label", "why"}``."""
    from shared.jsonl import iter_objects

    with path.open(encoding="utf-8") as lines:
        return [
            Expected(str(r["match"]), str(r["label"]))
            for _, r in iter_objects(lines, where=str(path))
        ]


def score_against_expected(claims: list[dict[str, Any]], expected: list[Expected]) -> DemoScore:
    """How many verdicts were published without review, and how many of those are right."""
    decided = correct = unmatched = 0
    for claim in claims:
        verdict = claim.get("verdict") or {}
        label = next((e.label for e in expected if e.match in claim.get("source_text", "")), None)
        unmatched += label is None
        if verdict and not verdict.get("needs_review", True):
            decided += 1
            correct += verdict.get("label") == label
    return DemoScore(len(claims), decided, correct, unmatched)


def demo_namespace() -> dict[str, str]:
    """Private names for a demo in a shared Redis: its key prefix, stream and queue."""
    name = f"claimcheck-demo-{secrets.token_hex(4)}"
    return Keys(name).stack_env()


def remove_namespace(client: redis.Redis, name: str) -> int:
    """Delete every key of namespace ``name`` and kombu's routing entries naming it; how many.

    Keys under it (records, stream, queue and its priority lists) go; so do kombu's
    ``_kombu.binding*`` keys named after its queue, and the members naming its queue or its
    workers' mailboxes in the binding sets and the bindings' deadline index.
    """
    everything = Keys(name).named_after_prefix()
    removed = sum(int(client.delete(k)) for k in client.scan_iter(match=everything, count=500))
    for key in client.scan_iter(match=KOMBU_BINDINGS, count=500):
        if name in _text(key):
            removed += int(client.delete(key))
            continue
        kind = _text(client.type(key))
        members = client.smembers(key) if kind == "set" else client.zrange(key, 0, -1)
        ours = [m for m in members if name in _text(m)]
        if ours and kind == "set":
            removed += int(client.srem(key, *ours))
        elif ours and kind == "zset":
            removed += int(client.zrem(key, *ours))
    return removed


def _text(value: object) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def run_demo(
    settings: Settings,
    *,
    article: Path | None,
    timeout: float,
    log_dir: Path = DEFAULT_LOG_DIR,
    redis_url: str | None = None,
) -> int:
    path = article or SEED_ARTICLE
    text = path.read_text(encoding="utf-8")
    signal.signal(signal.SIGTERM, _raise_interrupt)
    if redis_url is None:
        return _run_demo(settings, path, text, timeout, log_dir, {})
    namespace = demo_namespace()
    shared = settings.model_copy(update={"redis_url": redis_url, "broker_url": redis_url})
    try:
        return _run_demo(shared, path, text, timeout, log_dir, namespace)
    finally:
        client = redis.Redis.from_url(redis_url)
        try:
            removed = remove_namespace(client, namespace["CLAIMCHECK_KEY_PREFIX"])
            print(f"removed the demo's {removed} keys from {redis_url}")
        except redis.RedisError as exc:
            print(f"could not remove the demo's keys from {redis_url}: {exc}", file=sys.stderr)
        finally:
            client.close()


def _run_demo(
    settings: Settings,
    path: Path,
    text: str,
    timeout: float,
    log_dir: Path,
    namespace: dict[str, str],
) -> int:
    colour = sys.stdout.isatty()
    with process_group(log_dir) as group:
        base_url, _ = start_stack(group, settings, extra_env=namespace, private_redis=not namespace)
        print(f"intake listening on {base_url}; submitting {path.name}")
        with make_client(base_url, None) as client:
            response = client.post("/v1/articles", json={"text": text, "title": path.stem})
            response.raise_for_status()
            accepted = response.json()
            print(f"article {accepted['article_id']}: {len(accepted['claims'])} claims queued\n")
            started = time.monotonic()

            def show(verdict: dict[str, Any]) -> None:
                print(format_verdict(verdict, colour=colour), flush=True)

            final = wait_for_verdicts(client, accepted["article_id"], show, timeout=timeout)
        if final is None:
            print(f"timed out after {timeout:.0f}s; logs in {group.log_dir}", file=sys.stderr)
            return 1
        print()
        print(
            format_completed(
                {
                    "article_id": final["article_id"],
                    "claim_count": len(final["claims"]),
                    "counts": final["counts"],
                }
            )
            + f" in {time.monotonic() - started:.1f}s"
        )
        expected = path.with_suffix(".expected.jsonl")
        if expected.exists():
            print(score_against_expected(final["claims"], read_expected(expected)))
        print("stopping the worker and the intake ...")
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    return run_demo(
        settings,
        article=args.article,
        timeout=args.timeout,
        log_dir=args.log_dir,
        redis_url=args.redis_url,
    )


def register(subparsers: Subparsers) -> None:
    p = add_command(subparsers, "demo", run, help="start everything, check the seed article, stop")
    p.add_argument(
        "--article", type=Path, default=None, help="article text file (default: the seed article)"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=180.0,
        help="seconds to wait for the verdicts (default 180)",
    )
    p.add_argument(
        "--redis-url",
        default=None,
        help="use this Redis, under a private namespace removed on exit (default: start a "
        "private redis-server)",
    )
    p.add_argument(
        "--log-dir",
        type=Path,
        default=DEFAULT_LOG_DIR,
        help=f"where the processes' logs and the demo's knowledge base go "
        f"(default {DEFAULT_LOG_DIR})",
    )
