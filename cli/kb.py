"""``claimcheck kb import`` and ``kb import-wikipedia``: documents into the local
knowledge base.

``import``: the files given are imported all or nothing, in one transaction: a bad row in
any of them leaves the knowledge base as it was, and the one error line says so.

``import-wikipedia``: a MediaWiki ``pages-articles`` dump, streamed in batches that each
commit on their own, so a run that stopped resumes where it was (see
:mod:`workers.sources.knowledge_base.wikipedia_dump`).

``import-wikipedia`` skips a page whose wikitext is over ``--max-page-bytes`` (default
4 MiB, :data:`workers.sources.knowledge_base.wikipedia_xml.MAX_PAGE_BYTES`) with a warning naming
it.

One process writes to the file at a time: a command that finds another import (or
removal) writing waits for it up to ``--wait`` seconds, then stops with one line naming
the file, having changed nothing.

With ``CLAIMCHECK_RECHECK_ON_CHANGE`` the base records each change in the import's (or
removal's) transaction; after it commits, the command moves the recorded changes into
Redis and re-queues the claims citing them, at most ``CLAIMCHECK_RECHECK_MAX_PER_IMPORT``
(:mod:`shared.newsroom.rechecks`). What is left (over the limit, or Redis down) stays pending:
the next import, ``claimcheck kb recheck`` or the intake's sweep re-checks it.
"""

from __future__ import annotations

import argparse
import sys
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING

from cli.commands import Handler, Subparsers, add_command, add_group
from shared.errors import InputError, StoreUnavailableError
from shared.newsroom.rechecks import Rechecker, RecheckReport
from shared.settings import Settings

if TYPE_CHECKING:
    from workers.sources.knowledge_base.index import KnowledgeBase


WAIT_S = 120.0
"""How long a writing command waits by default for another one's import to end."""


def waiting(handler: Handler) -> Handler:
    """``handler``, whose refusal after ``--wait`` also says how to wait longer."""

    @wraps(handler)
    def run(args: argparse.Namespace, settings: Settings) -> int:
        from workers.sources.knowledge_base.writer import KnowledgeBaseLocked

        try:
            return handler(args, settings)
        except KnowledgeBaseLocked as exc:
            raise KnowledgeBaseLocked(
                f"{exc}; try again when it has finished, or wait longer with --wait SECONDS"
            ) from None

    return run


def _say(line: str) -> None:
    print(f"kb: {line}", file=sys.stderr, flush=True)


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    from workers.sources.knowledge_base.index import starter_corpus_path

    paths: list[Path] = list(args.files)
    if args.starter:
        paths.insert(0, starter_corpus_path())
    if not paths:
        print("kb import: give FILE.jsonl or --starter", file=sys.stderr)
        return 2
    from workers.components import knowledge_base_config
    from workers.context import build_process_embedder
    from workers.sources.registry import open_knowledge_base

    kb = open_knowledge_base(
        knowledge_base_config(settings), build_process_embedder(settings), lock_timeout_s=args.wait
    )
    kb.on_wait = _say
    kb.record_changes = settings.recheck_on_change
    try:
        try:
            imported = kb.import_files(paths)
        except InputError as exc:
            unchanged = "none of the files was imported" if len(paths) > 1 else "not imported"
            raise InputError(
                f"{exc}; {unchanged}, the knowledge base {settings.kb_path} is unchanged",
                field=exc.field,
            ) from exc
        for path, stats in zip(paths, imported, strict=True):
            print(f"{path}: {stats} ({settings.kb_path})")
        print(f"knowledge base now holds {kb.count()} documents, {kb.sentence_count()} sentences")
        refresh_ann_index(kb)
        recheck(settings, kb, changed=sum(len(stats.updated) for stats in imported))
    finally:
        kb.close()
    return 0


def run_remove(args: argparse.Namespace, settings: Settings) -> int:
    from workers.components import knowledge_base_config
    from workers.sources.registry import open_knowledge_base

    kb = open_knowledge_base(knowledge_base_config(settings), None, lock_timeout_s=args.wait)
    kb.on_wait = _say
    kb.record_changes = settings.recheck_on_change
    try:
        removed = kb.remove(list(args.ids))
        missing = sorted(set(args.ids) - set(removed))
        print(
            f"removed {len(removed)} documents"
            + (f"; not there: {', '.join(missing)}" if missing else "")
        )
        refresh_ann_index(kb)
        recheck(settings, kb, changed=len(removed))
    finally:
        kb.close()
    return 0


def refresh_ann_index(kb: KnowledgeBase, *, force: bool = False) -> None:
    """Rebuild the ANN index when the base is over the in-memory threshold (or ``force``)."""
    if force or kb.needs_ann_index():
        meta = kb.build_ann_index()
        print(f"ANN index: {meta.count} sentence vectors in {meta.seconds:.1f} s ({kb.path}.ann)")


def run_build_index(args: argparse.Namespace, settings: Settings) -> int:
    from workers.components import knowledge_base_config
    from workers.context import build_process_embedder
    from workers.sources.registry import open_knowledge_base

    kb = open_knowledge_base(knowledge_base_config(settings), build_process_embedder(settings))
    try:
        refresh_ann_index(kb, force=True)
    finally:
        kb.close()
    return 0


def recheck(settings: Settings, kb: KnowledgeBase, *, changed: int) -> None:
    """With ``CLAIMCHECK_RECHECK_ON_CHANGE``: re-queue the claims citing what changed (and
    what was left pending before). A failure leaves the re-checks pending and says so."""
    if not settings.recheck_on_change:
        if changed:
            print(f"{changed} documents changed or removed; CLAIMCHECK_RECHECK_ON_CHANGE is off")
        return
    try:
        report = drain_rechecks(settings, kb)
    except StoreUnavailableError as exc:
        _say(
            f"the claims citing changed documents were not all re-queued ({exc}); their "
            "re-checks stay pending: run 'claimcheck kb recheck' once Redis and the broker "
            "answer (the next import or the intake's sweep also does them)"
        )
        return
    if report is not None:
        print(report)


def drain_rechecks(settings: Settings, kb: KnowledgeBase) -> RecheckReport | None:
    """Move the changes ``kb`` recorded into Redis, then re-queue the claims citing pending
    documents, at most ``CLAIMCHECK_RECHECK_MAX_PER_IMPORT``; None when none is pending."""
    from shared.settings_configs import broker_config
    from shared.store.client import make_redis
    from shared.tasks import CeleryEnqueuer

    client = make_redis(settings)
    try:
        rechecker = Rechecker(client, settings.key_prefix)
        while (recorded := kb.pending_changes()).changes:
            rechecker.add(recorded.changes)
            kb.forget_changes(recorded.last)  # only once Redis holds them
        if not rechecker.pending():
            return None
        enqueuer = CeleryEnqueuer(broker_config(settings))
        try:
            return rechecker.drain(enqueuer.enqueue, limit=settings.recheck_max_per_import)
        finally:
            enqueuer.close()
    finally:
        client.close()


def run_recheck(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.recheck_on_change:
        print("kb recheck: CLAIMCHECK_RECHECK_ON_CHANGE is off, nothing done", file=sys.stderr)
        return 1
    from workers.components import knowledge_base_config
    from workers.sources.registry import open_knowledge_base

    kb = open_knowledge_base(knowledge_base_config(settings), None, lock_timeout_s=args.wait)
    kb.on_wait = _say
    try:
        report = drain_rechecks(settings, kb)
    finally:
        kb.close()
    print(report if report is not None else "re-check: nothing pending")
    return 0


def run_import_wikipedia(args: argparse.Namespace, settings: Settings) -> int:
    from workers.components import knowledge_base_config
    from workers.context import build_process_embedder
    from workers.sources.knowledge_base.wikipedia_dump import import_dump
    from workers.sources.knowledge_base.wikipedia_xml import MAX_PAGE_BYTES
    from workers.sources.registry import open_knowledge_base

    dump: Path = args.dump
    if not dump.is_file():
        raise InputError(f"kb import-wikipedia: {dump} is not a file", field="dump")
    max_page_bytes: int = MAX_PAGE_BYTES if args.max_page_bytes is None else args.max_page_bytes
    if max_page_bytes < 1:
        raise InputError(
            "kb import-wikipedia: --max-page-bytes must be at least 1", field="max_page_bytes"
        )
    embedder = None if args.no_embeddings else build_process_embedder(settings)
    kb = open_knowledge_base(knowledge_base_config(settings), embedder, lock_timeout_s=args.wait)
    kb.on_wait = _say
    kb.record_changes = settings.recheck_on_change
    bar = _progress_bar(dump)
    try:
        stats = import_dump(
            kb, dump, batch_pages=args.batch_pages, max_page_bytes=max_page_bytes,
            progress=None if bar is None else bar.to,
        )  # fmt: skip
        if bar is not None:
            bar.close()
        print(f"{dump}: {stats} ({settings.kb_path})")
        print(f"knowledge base now holds {kb.count()} documents, {kb.sentence_count()} sentences")
        refresh_ann_index(kb)
        recheck(settings, kb, changed=stats.updated)
    finally:
        kb.close()
    return 0


class _Bar:
    """A tqdm bar over the dump's bytes, shown only when stderr is a terminal."""

    def __init__(self, total: int) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=total, unit="B", unit_scale=True, desc="import", file=sys.stderr)

    def to(self, done: int, total: int) -> None:
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        self._bar.close()


def _progress_bar(dump: Path) -> _Bar | None:
    return _Bar(dump.stat().st_size) if sys.stderr.isatty() else None


def register(subparsers: Subparsers) -> None:
    kb = add_group(subparsers, "kb", help="manage the local knowledge base")
    p = add_command(
        kb,
        "import",
        waiting(run_import),
        help="import documents from JSONL {id,title,text,url?}, all files or none",
    )
    p.add_argument("files", nargs="*", type=Path, help="JSONL files of documents")
    p.add_argument("--starter", action="store_true", help="import the shipped starter corpus")

    w = add_command(
        kb,
        "import-wikipedia",
        waiting(run_import_wikipedia),
        help="import a MediaWiki pages-articles dump (.xml or .xml.bz2), resumable",
        description=(
            "Stream a MediaWiki pages-articles XML dump into the knowledge base: articles "
            "of the main namespace only (no redirects, disambiguation pages, templates, "
            "tables or references), one document per section titled 'Article — Section' "
            "with the article's URL. Batches commit one by one; run the same command "
            "again after a crash and it resumes after the last committed batch."
        ),
    )
    w.add_argument("dump", type=Path, help="the dump: DUMP.xml.bz2 or DUMP.xml")
    w.add_argument(
        "--batch-pages",
        type=int,
        default=1000,
        metavar="N",
        help="pages per committed batch (default 1000)",
    )
    w.add_argument(
        "--max-page-bytes",
        type=int,
        default=None,
        metavar="N",
        help="skip, with a warning naming it, a page whose wikitext is over N bytes; the "
        "import never holds more of one page (default 4194304, 4 MiB: twice MediaWiki's "
        "default page size limit)",
    )
    w.add_argument(
        "--no-embeddings",
        action="store_true",
        help="index lexically only (faster); a later 'kb import' of any file embeds them",
    )
    r = add_command(
        kb,
        "remove",
        waiting(run_remove),
        help="delete documents by id (claims citing them are re-checked with "
        "CLAIMCHECK_RECHECK_ON_CHANGE)",
    )
    r.add_argument("ids", nargs="+", help="document ids, as imported")
    c = add_command(
        kb,
        "recheck",
        waiting(run_recheck),
        help="re-queue the claims whose re-check after a change is still pending (over "
        "CLAIMCHECK_RECHECK_MAX_PER_IMPORT, or Redis was down), at most that many",
    )
    for parser in (p, w, r, c):
        parser.add_argument(
            "--wait",
            type=float,
            default=WAIT_S,
            metavar="SECONDS",
            help="how long to wait for another import or removal writing to the knowledge "
            f"base before giving up (default {WAIT_S:g})",
        )
    add_command(
        kb,
        "build-index",
        run_build_index,
        help="(re)build the approximate-nearest-neighbour index of the sentence vectors "
        "(done after each import of a base over CLAIMCHECK_KB_DENSE_IN_MEMORY_MAX)",
    )
