"""``claimcheck kb import``: documents into the local knowledge base.

The files given are imported all or nothing, in one transaction: a bad row in any of them
leaves the knowledge base as it was, and the one error line says so.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.commands import Subparsers, add_command, add_group
from shared.errors import InputError
from shared.settings import Settings


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    from workers.sources.knowledge_base import starter_corpus_path

    paths: list[Path] = list(args.files)
    if args.starter:
        paths.insert(0, starter_corpus_path())
    if not paths:
        print("kb import: give FILE.jsonl or --starter", file=sys.stderr)
        return 2
    from workers.context import build_process_embedder
    from workers.sources.registry import open_knowledge_base

    kb = open_knowledge_base(settings, build_process_embedder(settings))
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
    finally:
        kb.close()
    return 0


def register(subparsers: Subparsers) -> None:
    kb = add_group(subparsers, "kb", help="manage the local knowledge base")
    p = add_command(
        kb,
        "import",
        run_import,
        help="import documents from JSONL {id,title,text,url?}, all files or none",
    )
    p.add_argument("files", nargs="*", type=Path, help="JSONL files of documents")
    p.add_argument("--starter", action="store_true", help="import the shipped starter corpus")
