"""``claimcheck-lab eval-matching``: claim matching on ct20-snopes dev.

MAP@k, recall@k, precision@1 and queries/s of the fact-check matcher on the dev queries
(the archive cached as ``claimcheck match`` caches a fact-check file), and the strong-match
threshold that reaches ``--precision`` on dev beside the configured one. ``--fit`` first
refits the fusion weights on the training queries and saves them beside the embedding
model.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from cli.commands import Subparsers, add_command
from cli.match import open_matcher
from shared.errors import InputError
from shared.settings import Settings

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"


def run_eval_matching(args: argparse.Namespace, settings: Settings) -> int:
    from lab import matching_metrics as ev
    from workers.components import embedding_config
    from workers.sources.factchecks.matching import FUSION_FILE, Matcher

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
            path = embedding_config(settings).model_dir / FUSION_FILE
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


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers,
        "eval-matching",
        run_eval_matching,
        help="claim-matching MAP@5/recall@5 on ct20-snopes dev",
    )
    p.add_argument("--data-dir", type=Path, default=None, help="default: ../shared/data")
    p.add_argument(
        "--output", type=Path, default=Path("var/eval/matching.json"), help="JSON report"
    )
    p.add_argument("--k", type=int, default=5, help="ranks counted by MAP@k and recall@k")
    p.add_argument("--limit", type=int, default=None, help="first N dev queries")
    p.add_argument(
        "--fit", action="store_true", help="refit the fusion weights on the train queries first"
    )
    p.add_argument(
        "--precision", type=float, default=0.95, help="strong-match precision to choose for"
    )
