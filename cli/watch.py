"""``claimcheck watch``: follow the verdict stream through a consumer group."""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys

from cli.output import format_completed, format_verdict
from shared.redis_client import make_redis
from shared.settings import Settings
from shared.streams import GroupReader, StreamEntry


def watch(args: argparse.Namespace, settings: Settings) -> int:
    client = make_redis(settings)
    consumer = args.consumer or f"{socket.gethostname()}-{os.getpid()}"
    reader = GroupReader(
        client,
        settings.verdict_stream,
        args.group,
        consumer,
        start_id="0" if args.from_start else "$",
    )
    seen = 0

    def handle(entry: StreamEntry) -> None:
        nonlocal seen
        if args.article and entry.data.get("article_id") != args.article:
            return
        seen += 1
        if args.json:
            print(json.dumps({"id": entry.stream_id, "type": entry.type, "data": entry.data}))
        elif entry.type == "verdict":
            print(format_verdict(entry.data, colour=sys.stdout.isatty()))
        elif entry.type == "article.completed":
            print(format_completed(entry.data))
        sys.stdout.flush()

    try:
        while not args.count or seen < args.count:
            reader.poll(handle)
    finally:
        client.close()
    return 0
