"""``claimcheck submit``: post an article over HTTP and, with --wait, follow its verdicts.

The article is posted with an ``Idempotency-Key`` of its own, so an intake that is still
starting (connection refused) or restarting (502/503/504) is simply asked again, for up to
``--start-wait`` seconds: the intake accepts it once however often it was sent. While it
waits for verdicts, an intake that stops answering for a moment (a restart, a deploy) is
asked again with growing pauses; only an intake gone for longer than ``give_up_after``
seconds ends the wait, with one line that says how to follow the article instead.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from cli.article_input import parse_published_at, read_article
from cli.commands import Subparsers, add_command
from cli.output import format_completed, format_verdict
from shared.errors import ClaimcheckError
from shared.settings import Settings

RETRYABLE_STATUS = frozenset({502, 503, 504})
"""Answers of an intake (or its proxy) that is restarting or shutting down."""
MAX_BACKOFF_S = 5.0


class IntakeUnavailableError(ClaimcheckError):
    """The intake did not answer (or answered an error) while ``submit`` followed an article."""


def make_client(base_url: str, api_key: str | None) -> httpx.Client:
    headers = {"X-API-Key": api_key} if api_key else {}
    return httpx.Client(
        base_url=base_url,
        headers=headers,
        timeout=httpx.Timeout(30.0, connect=5.0),
        limits=httpx.Limits(max_connections=10),
    )


def _article_status(client: httpx.Client, article_id: str) -> dict[str, Any] | str:
    """The article's status, or why the intake could not give it right now (a reason
    worth retrying). An answer that retrying cannot change raises."""
    try:
        response = client.get(f"/v1/articles/{article_id}")
    except httpx.TransportError as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if response.status_code in RETRYABLE_STATUS:
        return f"HTTP {response.status_code}"
    if response.status_code != 200:
        raise IntakeUnavailableError(
            f"GET /v1/articles/{article_id}: HTTP {response.status_code}: {response.text[:200]}"
        )
    status: dict[str, Any] = response.json()
    return status


def post_article(
    client: httpx.Client, body: dict[str, Any], *, give_up_after: float
) -> httpx.Response:
    """POST the article under one idempotency key, again while the intake does not answer
    (see the module docstring); the last error is raised once ``give_up_after`` passed."""
    headers = {"Idempotency-Key": f"submit-{uuid.uuid4()}"}
    deadline = time.monotonic() + give_up_after
    failures = 0
    while True:
        try:
            response = client.post("/v1/articles", json=body, headers=headers)
        except httpx.TransportError:
            if time.monotonic() >= deadline:
                raise
        else:
            if response.status_code not in RETRYABLE_STATUS or time.monotonic() >= deadline:
                return response
        if failures == 0:
            print(f"claimcheck submit: waiting for {client.base_url} to answer", file=sys.stderr)
        failures += 1
        time.sleep(min(MAX_BACKOFF_S, 0.25 * 2 ** min(failures, 8)))


def wait_for_verdicts(
    client: httpx.Client,
    article_id: str,
    on_verdict: Callable[[dict[str, Any]], None],
    *,
    timeout: float,
    poll_interval: float = 0.5,
    give_up_after: float = 60.0,
) -> dict[str, Any] | None:
    """Poll the article until it is complete; call ``on_verdict`` once per new verdict.

    Returns the final article status, or None on timeout. While the intake does not answer
    (connection refused, 502/503/504) polls back off up to :data:`MAX_BACKOFF_S`; after
    ``give_up_after`` seconds without an answer :class:`IntakeUnavailableError` is raised.
    """
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    down_since: float | None = None
    failures = 0
    while time.monotonic() < deadline:
        status = _article_status(client, article_id)
        if isinstance(status, str):
            now = time.monotonic()
            if down_since is None:
                down_since = now
                print(
                    f"claimcheck submit: intake not answering ({status}); retrying", file=sys.stderr
                )
            elif now - down_since >= give_up_after:
                raise IntakeUnavailableError(
                    f"the intake at {client.base_url} has not answered for "
                    f"{now - down_since:.0f}s (last: {status}); article {article_id} is still "
                    f"being checked: follow it with `claimcheck watch --article {article_id}`"
                )
            failures += 1
            time.sleep(min(MAX_BACKOFF_S, poll_interval * 2 ** min(failures, 8)))
            continue
        down_since, failures = None, 0
        for claim in status["claims"]:
            verdict = claim.get("verdict")
            if verdict and claim["claim_id"] not in seen:
                seen.add(claim["claim_id"])
                on_verdict(verdict)
        if status["completed"]:
            return status
        time.sleep(poll_interval)
    return None


def article_body(args: argparse.Namespace) -> dict[str, Any]:
    """The ``POST /v1/articles`` body the arguments describe."""
    published = parse_published_at(args.published_at)
    body: dict[str, Any] = {"text": read_article(args.file)}
    if args.title:
        body["title"] = args.title
    if args.article_url:
        body["url"] = args.article_url
    if published is not None:
        body["published_at"] = published.isoformat()
    return body


def submit(args: argparse.Namespace, settings: Settings) -> int:
    body = article_body(args)
    key = args.api_key or (
        settings.client_api_key.get_secret_value() if settings.client_api_key else None
    )
    with make_client(args.api_url or settings.api_url, key) as client:
        try:
            response = post_article(client, body, give_up_after=args.start_wait)
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
    p.add_argument(
        "--published-at",
        help="when the article was published (ISO 8601, e.g. 2017-11-11 or "
        "2017-11-11T09:30:00Z): relative dates in it are resolved from this",
    )
    p.add_argument("--wait", action="store_true", help="print each verdict as it arrives")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--api-url", help="intake base URL (default: settings.api_url)")
    p.add_argument("--api-key", help="X-API-Key (default: CLAIMCHECK_CLIENT_API_KEY)")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for verdicts")
    p.add_argument(
        "--start-wait",
        type=float,
        default=60.0,
        help="seconds to keep asking an intake that is not answering yet (default 60; 0: once)",
    )
