"""``claimcheck match``: earlier fact-checks of each claim in a JSONL file.

It runs offline: no Redis, no broker. How well the matching ranks is measured by
``claimcheck-lab eval-matching`` (:mod:`lab.eval_matching`), which opens its archive the
same way (:func:`open_matcher`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from cli.commands import Subparsers, add_command
from shared.errors import InputError
from shared.jsonl import batches, jsonl_job, read_text_rows
from shared.settings import Settings

CACHE_DIR = Path("var/match-cache")
BATCH_ROWS = 32
"""Claims matched at once (one embedding batch): the only rows held in memory."""
_ARCHIVE_SUFFIXES = {".sqlite3", ".sqlite", ".db"}


def open_matcher(settings: Settings, archive: Path | None) -> Any:
    """A matcher over ``archive``: an archive database as is, a fact-check file through a
    cached archive built from it (``var/match-cache``), or the configured archive."""
    from workers.components import embedding_config
    from workers.sources.factchecks.archive import FactCheckArchive, cached_archive
    from workers.sources.factchecks.source import build_embedder, build_matcher

    if archive is None or archive.suffix in _ARCHIVE_SUFFIXES:
        path = archive or settings.factcheck_archive_path
        if not path.is_file():
            raise InputError(f"no fact-check archive at {path} (claimcheck factchecks import)")
        return build_matcher(embedding_config(settings), FactCheckArchive(path))
    if not archive.is_file():
        raise InputError(f"cannot read {archive}: no such file")
    embedder = build_embedder(embedding_config(settings))
    return build_matcher(
        embedding_config(settings), cached_archive(archive, CACHE_DIR, embedder), embedder
    )


def match_file(
    input_path: Path, output_path: Path, matcher: Any, *, top: int, progress: bool
) -> tuple[int, float]:
    """Stream ``input_path`` to ``output_path``; returns (rows, seconds).

    Each row lists at most ``top`` matches, best first; a match scored 0 (the matcher sees
    no relation at all) is left out, so a claim may list fewer, or none."""
    started = time.perf_counter()
    rows = 0
    with jsonl_job(input_path, output_path, progress=progress, unit="claim", desc="match") as job:
        for batch in batches(read_text_rows(job.source, where=str(input_path)), BATCH_ROWS):
            results = matcher.match_many([r.text for r in batch], top)
            for row, matches in zip(batch, results, strict=True):
                kept = [{"id": m.factcheck.id, "score": m.score} for m in matches if m.score > 0]
                job.write({"id": row.id, "matches": kept})
            rows += len(batch)
            job.advance(len(batch))
    return rows, time.perf_counter() - started


def run_match(args: argparse.Namespace, settings: Settings) -> int:
    if args.top < 1:
        raise InputError("--top must be at least 1")
    matcher = open_matcher(settings, args.archive)
    try:
        matcher.vectors()  # load before timing
        rows, seconds = match_file(
            args.input, args.output, matcher, top=args.top, progress=not args.no_progress
        )
    finally:
        matcher.archive.close()
    rate = rows / seconds if seconds > 0 else 0.0
    print(f"{rows} claims matched, {rate:.0f} claims/s -> {args.output}", file=sys.stderr)
    return 0


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers, "match", run_match, help="earlier fact-checks of claims in JSONL {id,text}"
    )
    p.add_argument("--archive", type=Path, help="fact-check file or archive (default: settings)")
    p.add_argument("--input", required=True, type=Path, help="JSONL rows {id, text}")
    p.add_argument(
        "--output", required=True, type=Path, help="JSONL rows {id, matches}, in input order"
    )
    p.add_argument("--top", type=int, default=5, help="matches per claim (default 5)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
