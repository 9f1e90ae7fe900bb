"""``claimcheck watch``: follow the verdict stream through a consumer group.

Watchers with the same ``--group`` share the work (each entry goes to one of them);
watchers with different groups each see every entry. A watcher that is stopped and
started again with the same ``--consumer`` name first re-reads what it had received but
not printed; entries left by a watcher that died are claimed after
``CLAIMCHECK_STREAM_CLAIM_IDLE_MS`` (see :class:`shared.streams.GroupReader`).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from typing import TextIO

from cli.commands import Subparsers, add_command
from cli.output import format_completed_line, format_verdict_line
from shared.redis_client import make_redis
from shared.settings import Settings
from shared.streams import GroupReader, StreamEntry


def render(entry: StreamEntry, *, as_json: bool, colour: bool, verbose: bool) -> str | None:
    """The text ``watch`` prints for one entry (None: an entry type it does not show)."""
    if as_json:
        return json.dumps({"id": entry.stream_id, "type": entry.type, "data": entry.data})
    if entry.type == "verdict":
        return format_verdict_line(
            entry.data, stream_id=entry.stream_id, colour=colour, verbose=verbose
        )
    if entry.type == "article.completed":
        return format_completed_line(entry.data, stream_id=entry.stream_id)
    return None


def use_colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


def watch(args: argparse.Namespace, settings: Settings, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    client = make_redis(settings)
    consumer = args.consumer or f"{socket.gethostname()}-{os.getpid()}"
    reader = GroupReader.from_settings(
        client, settings, args.group, consumer, start_id="0" if args.from_start else "$"
    )
    colour = use_colour(out)
    seen = 0
    closed = False

    def handle(entry: StreamEntry) -> None:
        nonlocal seen, closed
        if args.article and entry.data.get("article_id") != args.article:
            return
        text = render(entry, as_json=args.json, colour=colour, verbose=args.verbose)
        if text is None:
            return
        try:
            print(text, file=out, flush=True)
        except BrokenPipeError:  # `claimcheck watch | head`: stop; the entry stays pending
            closed = True
            raise
        seen += 1

    try:
        while not closed and (not args.count or seen < args.count):
            reader.poll(handle, limit=args.count - seen if args.count else None)
    finally:
        client.close()
        client.connection_pool.disconnect()
    return 0


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers, "watch", watch, help="follow the verdict stream through a consumer group"
    )
    p.add_argument(
        "--group",
        default="claimcheck-cli",
        help="consumer group: watchers in one group share the entries, other groups see all",
    )
    p.add_argument("--consumer", default=None, help="consumer name (default: host-pid)")
    p.add_argument("--article", help="only entries of this article id")
    p.add_argument(
        "--from-beginning",
        "--from-start",
        dest="from_start",
        action="store_true",
        help="a new group starts at the oldest entry the stream holds (default: new ones)",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per entry")
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show every piece of evidence: stance, score, sentence, link",
    )
    p.add_argument("--count", type=int, default=0, help="stop after N entries (0: never)")
