"""``claimcheck watch``: follow the verdict stream.

A plain ``watch`` is a view: it shows the entries added from now on (``--from-beginning``:
every entry the stream still holds) and leaves nothing behind, so every plain watch starts
fresh. With ``--group`` it reads through a consumer group instead: watchers with the same
group share the work (each entry goes to one of them), watchers with different groups each
see every entry, and a group resumes where it stopped. A watcher that is stopped and
started again with the same ``--consumer`` name first re-reads what it had received but not
printed; entries left by a watcher that died are claimed after
``CLAIMCHECK_STREAM_CLAIM_IDLE_MS`` (see :class:`shared.store.streams.GroupReader`).

When the reader of its output goes away (``claimcheck watch | head -1``) it stops at once,
quietly, with status 0.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import unicodedata
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TextIO

import redis

from cli.commands import Subparsers, add_command
from cli.output import format_completed_line, format_verdict_line
from cli.stream_view import StreamView
from shared.settings import Settings
from shared.settings_configs import store_config, verdict_reader
from shared.store.claims import ClaimStore
from shared.store.client import make_redis
from shared.store.streams import StreamEntry, stream_id_ms

_LABEL_COLOURS = {
    "supported": "\033[32m",
    "refuted": "\033[31m",
    "conflicting": "\033[35m",
    "not_enough_info": "\033[33m",
}
_RESET = "\033[0m"
_NOTE_WIDTH = 100
_CLAIM_WIDTH = 100

ClaimText = Callable[[str], str | None]
"""A claim's text by its id (None: no record of it any more)."""


def _plain(value: object, limit: int = 200) -> str:
    """Text a reviewer typed, safe for a terminal: line breaks and other whitespace made
    single spaces, control and format characters (escape sequences, bidi overrides)
    dropped, cut to ``limit``."""
    kept = (
        " " if ch.isspace() else ch
        for ch in str(value or "")
        if ch.isspace() or unicodedata.category(ch)[0] != "C"
    )
    text = " ".join("".join(kept).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def format_review_line(
    data: dict[str, Any],
    *,
    stream_id: str,
    colour: bool = False,
    claim_text: ClaimText | None = None,
) -> str:
    """One line per ``verdict.reviewed`` entry: when it reached the stream, the editor's
    label (and the model's when it differs), who ruled, the note, the claim's text (an
    older entry without it: ``claim_text`` of its id, while the claim record lives) and
    its article (or claim) id."""
    clock = datetime.fromtimestamp(stream_id_ms(stream_id) / 1000).strftime("%H:%M:%S")
    label = _plain(data.get("label", "?"), 20)
    padded = f"{label:<15}"
    shown = f"{_LABEL_COLOURS.get(label, '')}{padded}{_RESET}" if colour else padded
    model = _plain(data.get("model_label"), 20)
    ruling = "confirmed" if model == label else f"was {model}"
    line = f"{clock}  {shown} reviewed by {_plain(data.get('reviewer'))} ({ruling})"
    if data.get("supersedes"):
        line += ", replaces an earlier review"
    if data.get("note"):
        line += f": {_plain(data['note'], _NOTE_WIDTH)}"
    claim = data.get("claim")
    if not claim and claim_text is not None and data.get("claim_id"):
        claim = claim_text(str(data["claim_id"]))
    if claim:
        line += f"  claim: {_plain(claim, _CLAIM_WIDTH)}"
    return f"{line}  [{data.get('article_id') or data.get('claim_id')}]"


def render(
    entry: StreamEntry,
    *,
    as_json: bool,
    colour: bool,
    verbose: bool,
    claim_text: ClaimText | None = None,
) -> str | None:
    """The text ``watch`` prints for one entry (None: an entry type it does not show)."""
    if as_json:
        return json.dumps({"id": entry.stream_id, "type": entry.type, "data": entry.data})
    if entry.type in ("verdict", "verdict.updated"):
        return format_verdict_line(
            entry.data, stream_id=entry.stream_id, colour=colour, verbose=verbose
        )
    if entry.type == "article.completed":
        return format_completed_line(entry.data, stream_id=entry.stream_id)
    if entry.type == "verdict.reviewed":
        return format_review_line(
            entry.data, stream_id=entry.stream_id, colour=colour, claim_text=claim_text
        )
    return None


def use_colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


class _Reader(Protocol):
    def poll(self, handler: Callable[[StreamEntry], None], *, limit: int | None = None) -> int:
        """Hand the next entries to ``handler``."""
        ...


class _OutputClosed(BaseException):
    """Whoever read the output went away. A :class:`BaseException`, so that a group
    reader does not take it for a handler error and go on with the rest of its batch."""


def group_exists(client: redis.Redis, stream: str, group: str) -> bool:
    try:
        groups = client.xinfo_groups(stream)
    except redis.ResponseError:  # no such stream yet
        return False
    return any(g["name"] == group for g in groups)


def open_reader(client: redis.Redis, settings: Settings, args: argparse.Namespace) -> _Reader:
    """A view of the stream, or with ``--group`` a consumer of that group (saying so on
    stderr when ``--from-beginning`` cannot apply because the group already exists)."""
    if args.group is None:
        return StreamView(client, settings.verdict_stream, from_beginning=args.from_start)
    if args.from_start and group_exists(client, settings.verdict_stream, args.group):
        print(
            f"claimcheck watch: group {args.group!r} exists, so it resumes where it stopped "
            "(--from-beginning applies to a new group; name another --group to start over)",
            file=sys.stderr,
        )
    consumer = args.consumer or f"{socket.gethostname()}-{os.getpid()}"
    return verdict_reader(
        client, settings, args.group, consumer, start_id="0" if args.from_start else "$"
    )


def _silence(out: TextIO) -> None:
    """Point a closed standard output at /dev/null, so that the interpreter's last flush
    at exit does not complain about the broken pipe."""
    if out is sys.stdout:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def watch(args: argparse.Namespace, settings: Settings, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    client = make_redis(settings)
    colour = use_colour(out)
    seen = 0
    store = ClaimStore(client, store_config(settings))

    def claim_text(claim_id: str) -> str | None:
        record = store.get_claim(claim_id)
        return record.text if record is not None else None

    def handle(entry: StreamEntry) -> None:
        nonlocal seen
        if args.article and entry.data.get("article_id") != args.article:
            return
        text = render(
            entry, as_json=args.json, colour=colour, verbose=args.verbose, claim_text=claim_text
        )
        if text is None:
            return
        try:
            print(text, file=out, flush=True)
        except BrokenPipeError:  # `claimcheck watch | head`: stop; in a group, it stays pending
            raise _OutputClosed from None
        seen += 1

    try:
        reader = open_reader(client, settings, args)
        while not args.count or seen < args.count:
            reader.poll(handle, limit=args.count - seen if args.count else None)
    except _OutputClosed:
        _silence(out)
    finally:
        client.close()
        client.connection_pool.disconnect()
    return 0


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers,
        "watch",
        watch,
        help="follow the verdict stream (new entries; with --group, through a consumer group)",
    )
    p.add_argument(
        "--group",
        default=None,
        help="read through this consumer group, which resumes where it stopped: watchers in "
        "one group share the entries, other groups see all (default: no group, a fresh view)",
    )
    p.add_argument(
        "--consumer", default=None, help="consumer name within --group (default: host-pid)"
    )
    p.add_argument("--article", help="only entries of this article id")
    p.add_argument(
        "--from-beginning",
        "--from-start",
        dest="from_start",
        action="store_true",
        help="start at the oldest entry the stream holds (default: new ones); "
        "an existing --group resumes instead",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per entry")
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show every piece of evidence: stance, score, sentence, link",
    )
    p.add_argument("--count", type=int, default=0, help="stop after N entries (0: never)")
