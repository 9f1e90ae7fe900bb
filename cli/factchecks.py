"""``claimcheck factchecks import FILE ...``: fact-checks into the archive.

Files may be ClaimReview JSON-LD, Google Fact Check Tools ``claims:search`` answers or our
JSONL rows (see :mod:`workers.sources.factchecks.formats`). Every file is read and checked
before anything is written, so a bad record in any of them imports none; then each file is
upserted by id and its new or changed claims are embedded.

``claimcheck factchecks export --newsroom N``: the newsroom's rulings as ClaimReview
(:mod:`shared.newsroom.export`). It exits 2 with one line, writing nothing, for an unknown
newsroom, for one without a publisher in ``CLAIMCHECK_NEWSROOM_PUBLISHERS``, and where a
ruling has no url (neither its own nor the publisher's ``review_url`` template).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from cli.commands import Subparsers, add_command, add_group
from shared.errors import InputError
from shared.settings import Settings


def check_files(files: Sequence[Path], publisher: str | None) -> None:
    """Read every record of every file; the first bad one raises an :class:`InputError`
    that names it and says nothing was imported."""
    from workers.sources.factchecks.formats import read_factchecks

    for source in files:
        try:
            for _ in read_factchecks(source, publisher=publisher):
                pass
        except InputError as exc:
            what = "none of the files was imported" if len(files) > 1 else "nothing imported"
            raise InputError(f"{exc}; {what}", field=exc.field) from exc


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    from workers.components import embedding_config
    from workers.sources.factchecks.archive import FactCheckArchive
    from workers.sources.factchecks.source import build_embedder

    check_files(args.files, args.publisher)
    path: Path = args.archive or settings.factcheck_archive_path
    embedder = build_embedder(embedding_config(settings))
    with FactCheckArchive(path) as archive:
        for source in args.files:
            started = time.perf_counter()
            stats = archive.import_file(source, embedder, publisher=args.publisher)
            seconds = time.perf_counter() - started
            print(f"{source}: {stats} ({seconds:.1f} s) -> {path}")
        print(f"archive {path} now holds {archive.count()} fact-checks")
    return 0


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    import sys

    from shared.newsroom.claimreview import UnpublishableError, claim_review_json, publisher_of
    from shared.newsroom.directory import known_newsrooms
    from shared.newsroom.export import export_rulings
    from shared.settings_configs import store_config
    from shared.store.claims import ClaimStore
    from shared.store.client import make_redis
    from shared.store.keys import NO_NEWSROOM

    since = _since(args.since)
    newsroom = None if args.newsroom == NO_NEWSROOM else args.newsroom
    client = make_redis(settings)
    try:
        known = (
            known_newsrooms(client, settings.key_prefix, settings.api_keys)
            if newsroom is not None
            else set()
        )
        if newsroom is not None and newsroom not in known:
            print(f"factchecks export: {_unknown(newsroom, known)}", file=sys.stderr)
            return 2
        publisher = publisher_of(settings.newsroom_publishers, newsroom)
        store = ClaimStore(client, store_config(settings))
        documents = export_rulings(client, store, newsroom, since=since, publisher=publisher)
    except UnpublishableError as exc:  # nothing is written: one line saying what to set
        print(f"factchecks export: {exc}", file=sys.stderr)
        return 2
    finally:
        client.close()
    text = claim_review_json(documents, indent=1) + "\n"  # escaped for an HTML page
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"{len(documents)} ClaimReview documents -> {args.output}", file=sys.stderr)
    return 0


def _unknown(newsroom: str, known: set[str], shown: int = 10) -> str:
    """One line saying ``newsroom`` is not one of ``known`` (the first ``shown`` listed)."""
    names = sorted(known)
    listed = ", ".join(names[:shown]) + (f", … ({len(names)} in all)" if len(names) > shown else "")
    return (
        f"unknown newsroom {newsroom!r}: it has no API key and no rulings "
        f"(known: {listed or 'none'})"
    )


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"--since {value!r} is not an ISO 8601 date", field="since") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def register(subparsers: Subparsers) -> None:
    group = add_group(subparsers, "factchecks", help="manage the fact-check archive")
    p = add_command(
        group,
        "import",
        run_import,
        help="import ClaimReview JSON-LD, Google Fact Check JSON or JSONL rows",
    )
    p.add_argument(
        "files", nargs="+", type=Path, help="fact-check files, all checked before any is written"
    )
    p.add_argument("--publisher", help="publisher of rows that name none (e.g. PolitiFact)")
    p.add_argument("--archive", type=Path, help="archive file (default: settings)")
    p = add_command(
        group,
        "export",
        run_export,
        help="the newsroom's rulings (editors' reviews) as a ClaimReview JSON-LD array",
    )
    p.add_argument("--newsroom", required=True, help="whose rulings (a newsroom name; - for none)")
    p.add_argument("--since", help="only rulings made at or after this ISO 8601 date")
    p.add_argument("--output", type=Path, help="file to write (default: standard output)")
