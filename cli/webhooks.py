"""``claimcheck webhooks add|list|remove|deliver|failures``.

``add``, ``list`` and ``remove`` go through the intake's admin API (``/v1/admin/webhooks``,
:mod:`cli.admin_client`); ``deliver`` runs the deliverer
(:mod:`services.delivery.deliverer`) on Redis until SIGTERM/SIGINT; ``failures`` lists the
dead letters (deliveries that never succeeded) from Redis.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import threading
from typing import IO, TYPE_CHECKING, Any

from cli.admin_client import AdminClient
from cli.commands import Subparsers, add_command, add_group
from shared.settings import Settings

if TYPE_CHECKING:
    from services.delivery.deliverer import DeliveryConfig

WEBHOOKS_PATH = "/v1/admin/webhooks"
EVENT_TYPES = ("verdict", "article.completed", "verdict.reviewed", "verdict.updated")


class WebhooksClient(AdminClient):
    """The intake's admin API for webhook endpoints."""

    def add(self, newsroom: str, url: str, events: list[str] | None) -> dict[str, Any]:
        body: dict[str, Any] = {"newsroom": newsroom, "url": url}
        if events:
            body["events"] = events
        result: dict[str, Any] = self._call("POST", WEBHOOKS_PATH, json=body)
        return result

    def list(self, newsroom: str | None = None) -> list[dict[str, Any]]:
        params = {"newsroom": newsroom} if newsroom else None
        result: list[dict[str, Any]] = self._call("GET", WEBHOOKS_PATH, params=params)["webhooks"]
        return result

    def remove(self, endpoint_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("DELETE", f"{WEBHOOKS_PATH}/{endpoint_id}")
        return result


def _print_endpoints(endpoints: list[dict[str, Any]], out: IO[str]) -> None:
    print(f"{'ENDPOINT_ID':<22} {'NEWSROOM':<20} {'STATE':<9} {'EVENTS':<28} URL", file=out)
    for e in endpoints:
        state = "disabled" if e["disabled"] else "active"
        events = ",".join(e["events"]) if e["events"] else "all"
        print(
            f"{e['endpoint_id']:<22} {e['newsroom']:<20} {state:<9} {events:<28} {e['url']}",
            file=out,
        )


def run_admin(args: argparse.Namespace, settings: Settings, out: IO[str] | None = None) -> int:
    """``add``, ``list`` and ``remove``; prints to ``out`` (stdout)."""
    out = out or sys.stdout
    with WebhooksClient.from_settings(settings) as client:
        if args.webhooks_command == "add":
            made = client.add(args.newsroom, args.url, args.event)
            if args.json:
                print(json.dumps(made), file=out)
            else:
                _print_endpoints([made], out)
                print(f"secret: {made['secret']}", file=out)
                print(
                    "The secret is shown this once: receivers verify signatures with it.", file=out
                )
        elif args.webhooks_command == "list":
            endpoints = client.list(args.newsroom)
            if args.json:
                print(json.dumps(endpoints), file=out)
            else:
                _print_endpoints(endpoints, out)
        else:
            removed = client.remove(args.endpoint_id)
            print(f"removed {removed['endpoint_id']} ({removed['newsroom']})", file=out)
    return 0


def run_failures(args: argparse.Namespace, settings: Settings, out: IO[str] | None = None) -> int:
    from shared.store.client import make_redis
    from shared.store.webhooks import WebhookStore

    out = out or sys.stdout
    client = make_redis(settings)
    try:
        letters = WebhookStore(client, settings.key_prefix).dead_letters(args.newsroom, args.limit)
    finally:
        client.close()
    if args.json:
        print(json.dumps([vars(d) for d in letters]), file=out)
        return 0
    for d in letters:
        print(
            f"{d.failed_at}  {d.newsroom}  {d.endpoint_id}  {d.msg_id}  {d.event_type}  "
            f"attempts={d.attempts}  {d.last_error}  {d.url}",
            file=out,
        )
    print(f"{len(letters)} failed deliveries", file=out)
    return 0


def delivery_config(settings: Settings, consumer: str | None = None) -> DeliveryConfig:
    """What the delivery process (this command is its root) reads, waits and keeps trying."""
    from services.delivery.deliverer import DeliveryConfig

    return DeliveryConfig(
        stream=settings.verdict_stream,
        key_prefix=settings.key_prefix,
        consumer=consumer or f"{socket.gethostname()}-{os.getpid()}",
        timeout_s=settings.webhook_timeout_s,
        retry_base_s=settings.webhook_retry_base_s,
        retry_max_s=settings.webhook_retry_max_s,
        horizon_s=settings.webhook_retry_horizon_s,
        lease_s=settings.webhook_lease_s,
        batch=settings.webhook_batch,
        allow_private=settings.webhook_allow_private,
        max_deliveries=settings.stream_max_deliveries,
        dead_letter_stream=settings.effective_dead_letter_stream,
        dead_letter_maxlen=settings.stream_maxlen,
    )


def run_deliver(args: argparse.Namespace, settings: Settings) -> int:
    from services.delivery.deliverer import Deliverer
    from shared.store.client import make_redis

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    client = make_redis(settings)
    try:
        with Deliverer(client, delivery_config(settings, args.consumer)) as deliverer:
            deliverer.run(stop)
    finally:
        client.close()
    return 0


def register(subparsers: Subparsers) -> None:
    """``webhooks add|list|remove|deliver|failures``."""
    group = add_group(
        subparsers, "webhooks", help="newsrooms' webhook endpoints and their delivery"
    )
    p = add_command(group, "add", run_admin, help="register an endpoint; prints its secret once")
    p.add_argument("newsroom", help="the newsroom whose entries the endpoint gets")
    p.add_argument(
        "url",
        help="http(s) URL that takes the POSTs; the intake refuses loopback, private and "
        "link-local hosts unless CLAIMCHECK_WEBHOOK_ALLOW_PRIVATE=true",
    )
    p.add_argument(
        "--event", action="append", choices=EVENT_TYPES, help="only this entry type (repeatable)"
    )
    p.add_argument("--json", action="store_true", help="the new endpoint as one JSON object")
    p = add_command(group, "list", run_admin, help="every endpoint (no secrets)")
    p.add_argument("--newsroom", help="only this newsroom's")
    p.add_argument("--json", action="store_true", help="one JSON array")
    p = add_command(group, "remove", run_admin, help="remove an endpoint by its id")
    p.add_argument("endpoint_id", help="as `webhooks list` shows it")
    p = add_command(group, "deliver", run_deliver, help="run the deliverer until SIGTERM")
    p.add_argument("--consumer", help="consumer name in the group (default: host-pid)")
    p = add_command(group, "failures", run_failures, help="deliveries that never succeeded")
    p.add_argument("--newsroom", help="only this newsroom's")
    p.add_argument("--limit", type=int, default=100, help="at most this many (newest first)")
    p.add_argument("--json", action="store_true", help="one JSON array")
