"""``claimcheck submit``: post an article over HTTP and, with --wait, follow its verdicts."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from cli.commands import Subparsers, add_command
from cli.output import format_completed, format_verdict
from shared.settings import Settings


def make_client(base_url: str, api_key: str | None) -> httpx.Client:
    headers = {"X-API-Key": api_key} if api_key else {}
    return httpx.Client(
        base_url=base_url,
        headers=headers,
        timeout=httpx.Timeout(30.0, connect=5.0),
        limits=httpx.Limits(max_connections=10),
    )


def wait_for_verdicts(
    client: httpx.Client,
    article_id: str,
    on_verdict: Callable[[dict[str, Any]], None],
    *,
    timeout: float,
    poll_interval: float = 0.5,
) -> dict[str, Any] | None:
    """Poll the article until it is complete; call ``on_verdict`` once per new verdict.

    Returns the final article status, or None on timeout.
    """
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(f"/v1/articles/{article_id}")
        response.raise_for_status()
        status: dict[str, Any] = response.json()
        for claim in status["claims"]:
            verdict = claim.get("verdict")
            if verdict and claim["claim_id"] not in seen:
                seen.add(claim["claim_id"])
                on_verdict(verdict)
        if status["completed"]:
            return status
        time.sleep(poll_interval)
    return None


def submit(args: argparse.Namespace, settings: Settings) -> int:
    text = sys.stdin.read() if str(args.file) == "-" else args.file.read_text(encoding="utf-8")
    body: dict[str, Any] = {"text": text}
    if args.title:
        body["title"] = args.title
    if args.article_url:
        body["url"] = args.article_url
    key = args.api_key or (
        settings.client_api_key.get_secret_value() if settings.client_api_key else None
    )
    with make_client(args.api_url or settings.api_url, key) as client:
        try:
            response = client.post("/v1/articles", json=body)
        except httpx.HTTPError as exc:
            print(f"claimcheck submit: cannot reach {client.base_url}: {exc}", file=sys.stderr)
            return 1
        if response.status_code != 202:
            print(
                f"claimcheck submit: HTTP {response.status_code}: {response.text}", file=sys.stderr
            )
            return 1
        accepted = response.json()
        if args.json:
            print(json.dumps({"type": "article.accepted", "data": accepted}), flush=True)
        else:
            print(f"article {accepted['article_id']}: {len(accepted['claims'])} claims queued")
        if not args.wait:
            return 0

        def show(verdict: dict[str, Any]) -> None:
            if args.json:
                print(json.dumps(verdict, ensure_ascii=False), flush=True)
            else:
                print(format_verdict(verdict, colour=sys.stdout.isatty()), flush=True)

        final = wait_for_verdicts(client, accepted["article_id"], show, timeout=args.timeout)
    if final is None:
        print(f"claimcheck submit: timed out after {args.timeout:.0f}s", file=sys.stderr)
        return 1
    if not args.json:
        counts = {label: n for label, n in final["counts"].items()}
        print(
            format_completed(
                {
                    "article_id": final["article_id"],
                    "claim_count": len(final["claims"]),
                    "counts": counts,
                }
            )
        )
    return 0


def register(subparsers: Subparsers) -> None:
    p = add_command(subparsers, "submit", submit, help="submit an article to the intake service")
    p.add_argument("file", type=Path, help="article text file ('-' for stdin)")
    p.add_argument("--title", help="the article's headline")
    p.add_argument("--url", dest="article_url", help="where the article is published")
    p.add_argument("--wait", action="store_true", help="print each verdict as it arrives")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--api-url", help="intake base URL (default: settings.api_url)")
    p.add_argument("--api-key", help="X-API-Key (default: CLAIMCHECK_CLIENT_API_KEY)")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for verdicts")
