"""``claimcheck match`` (earlier fact-checks of each claim in a JSONL file) and
``claimcheck eval-matching`` (MAP@5, recall@5 and speed on ct20-snopes dev).

Both run offline: no Redis, no broker.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from shared.errors import InputError
from shared.jsonl import batches, jsonl_job, read_text_rows
from shared.settings import Settings

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
CACHE_DIR = Path("var/match-cache")
BATCH_ROWS = 32
"""Claims matched at once (one embedding batch): the only rows held in memory."""
_ARCHIVE_SUFFIXES = {".sqlite3", ".sqlite", ".db"}


def open_matcher(settings: Settings, archive: Path | None) -> Any:
    """A matcher over ``archive``: an archive database as is, a fact-check file through a
    cached archive built from it (``var/match-cache``), or the configured archive."""
    from workers.sources.factchecks.archive import FactCheckArchive
    from workers.sources.factchecks.evaluation import cached_archive
    from workers.sources.factchecks.source import build_embedder, build_matcher

    if archive is None or archive.suffix in _ARCHIVE_SUFFIXES:
        path = archive or settings.factcheck_archive_path
        if not path.is_file():
            raise InputError(f"no fact-check archive at {path} (claimcheck factchecks import)")
        return build_matcher(settings, FactCheckArchive(path))
    if not archive.is_file():
        raise InputError(f"cannot read {archive}: no such file")
    embedder = build_embedder(settings)
    return build_matcher(settings, cached_archive(archive, CACHE_DIR, embedder), embedder)


def match_file(
    input_path: Path, output_path: Path, matcher: Any, *, top: int, progress: bool
) -> tuple[int, float]:
    """Stream ``input_path`` to ``output_path``; returns (rows, seconds)."""
    started = time.perf_counter()
    rows = 0
    with jsonl_job(input_path, output_path, progress=progress, unit="claim", desc="match") as job:
        for batch in batches(read_text_rows(job.source, where=str(input_path)), BATCH_ROWS):
            results = matcher.match_many([r.text for r in batch], top)
            for row, matches in zip(batch, results, strict=True):
                job.write(
                    {
                        "id": row.id,
                        "matches": [{"id": m.factcheck.id, "score": m.score} for m in matches],
                    }
                )
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


# --- evaluation -------------------------------------------------------------------------------


def run_eval_matching(args: argparse.Namespace, settings: Settings) -> int:
    from workers.sources.factchecks import evaluation as ev
    from workers.sources.factchecks.matching import FUSION_FILE, Matcher
    from workers.sources.factchecks.source import embedding_model_dir

    directory = (args.data_dir or DEFAULT_DATA_DIR) / "claim-matching"
    archive_file = directory / "ct20-snopes.archive.jsonl"
    dev_file = directory / "ct20-snopes.dev.queries.jsonl"
    train_file = directory / "ct20-snopes.train.queries.jsonl"
    if not archive_file.is_file() or not dev_file.is_file():
        print(f"eval-matching: no ct20-snopes data at {directory}; nothing to evaluate")
        return 0
    matcher = open_matcher(settings, archive_file)
    k = args.k
    try:
        report: dict[str, Any] = {"archive_rows": matcher.archive.count(), "k": k}
        if args.fit:
            if not train_file.is_file():
                raise InputError(f"--fit needs {train_file}")
            fusion, info = ev.fit_fusion(matcher, ev.load_queries(train_file))
            path = embedding_model_dir(settings) / FUSION_FILE
            ev.save_fusion(fusion, path, {**info, "queries": train_file.name})
            print(f"fitted fusion on {train_file.name} ({info}): {path}")
            matcher = Matcher(matcher.archive, matcher.embedder, fusion=fusion)
        matcher.vectors()
        dev = ev.load_queries(dev_file)
        if args.limit:
            dev = dev[: args.limit]
        ranked, seconds = ev.rank_queries(matcher, dev, k)
        metrics = ev.ranking_metrics([[i for i, _ in r] for r in ranked], dev, k)
        report["dev"] = {
            **metrics,
            "queries": len(dev),
            "queries_per_s": round(len(dev) / seconds, 1) if seconds > 0 else None,
            "onnx_threads": settings.onnx_threads,
            "cpus": os.cpu_count(),
        }
        with_gold = ev.top1_scores(matcher, dev, leave_gold_out=False)
        without_gold = ev.top1_scores(matcher, dev, leave_gold_out=True)
        chosen = ev.choose_threshold(with_gold, without_gold, min_precision=args.precision)
        at_setting = ev.decisions_at(with_gold, without_gold, settings.factcheck_match_threshold)
        report["threshold"] = {
            "chosen_on_dev": chosen,
            "min_precision": args.precision,
            "configured": settings.factcheck_match_threshold,
            "at_configured": at_setting,
        }
    finally:
        matcher.archive.close()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    d = report["dev"]
    print(
        f"ct20-snopes.dev (dev: thresholds and fusion choices were tuned here): "
        f"{d['queries']} queries against {report['archive_rows']} fact-checks"
    )
    print(
        f"MAP@{k} {d[f'map@{k}']:.4f}   recall@{k} {d[f'recall@{k}']:.4f}   "
        f"P@1 {d['precision@1']:.4f}   {d['queries_per_s']} queries/s "
        f"({settings.onnx_threads} onnxruntime threads, {d['cpus']} CPUs)"
    )
    print(
        f"strong-match threshold for precision >= {args.precision}: "
        f"{chosen['threshold']} (decides {chosen['decided']:.1%} of dev claims); "
        f"configured {settings.factcheck_match_threshold}: precision "
        f"{at_setting['precision']:.3f}, decides {at_setting['decided']:.1%}, "
        f"{at_setting['false_matches']:.0f} wrong decisions in {2 * len(dev)} runs"
    )
    print(f"report: {args.output}")
    return 0
