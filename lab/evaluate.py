"""``claimcheck-lab eval`` and ``claimcheck-lab eval-open``: verdict quality on the labelled
verification files in ../shared/data, with the given evidence or retrieving it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cli.commands import Subparsers, add_command
from shared.settings import Settings

if TYPE_CHECKING:
    from lab.verdict_eval import Role

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"


def _files(args: argparse.Namespace, command: str) -> list[tuple[Path, Role]] | None:
    """The verification files the arguments select; None (after saying why) when none."""
    from lab.verdict_eval import discover

    data_dir: Path = args.data_dir or DEFAULT_DATA_DIR
    directory = data_dir / "verification"
    if not directory.is_dir():
        print(
            f"claimcheck-lab {command}: no benchmark data at {directory} "
            "(the shared data folder is absent); nothing to evaluate"
        )
        return None
    roles: list[Role] = ["eval", "dev"] if args.split == "all" else [args.split]
    files = discover(directory, roles)
    if args.files:
        files = _named(files, args.files, command, f"{directory} ({args.split} split)")
    if not files:
        print(f"claimcheck-lab {command}: no matching files in {directory}")
        return None
    return files


def _named(
    files: list[tuple[Path, Role]], names: list[str], command: str, where: str
) -> list[tuple[Path, Role]]:
    """The files ``names`` name, with or without ``.jsonl``; each name that names none of
    them is reported on stderr."""
    wanted = {name.removesuffix(".jsonl") for name in names}
    kept = [(p, r) for p, r in files if p.stem in wanted]
    for name in sorted(wanted - {p.stem for p, _ in kept}):
        print(f"claimcheck-lab {command}: no file {name}.jsonl in {where}", file=sys.stderr)
    return kept


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    from lab.verdict_eval import (
        check_line,
        evaluate_file,
        render,
        render_pooled,
        to_json,
    )
    from workers.context import build_verifier, close_verifier

    files = _files(args, "eval")
    if files is None:
        return 0
    verifier = build_verifier(settings)
    reports = []
    try:
        for path, role in files:
            report = evaluate_file(
                path,
                role,
                verifier,
                args.output.parent / "predictions",
                limit=args.limit,
                progress=sys.stderr.isatty(),
            )
            reports.append(report)
            print(render(report), end="\n\n", flush=True)
    finally:
        close_verifier(verifier)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(to_json(reports, verifier.version), encoding="utf-8")
    print(
        "| file | role | rows | accuracy | macro-F1 | ECE | decided P | coverage "
        "| claims/s | pairs/s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in reports:
        precision = f"{r.decided.precision:.3f}" if r.decided.precision is not None else "-"
        print(
            f"| {r.file} | {r.role} | {r.rows} | {r.accuracy:.3f} | {r.macro_f1:.3f} "
            f"| {r.ece:.3f} | {precision} | {r.decided.coverage:.3f} "
            f"| {r.claims_per_second:.1f} | {r.pairs_per_second:.0f} |"
        )
    print()
    for r in reports:
        print(f"{r.file}: {check_line(r.decided)}")
    print(render_pooled(reports))
    print(f"\nverifier {verifier.version}; report written to {args.output}")
    return 0


def run_eval_open(args: argparse.Namespace, settings: Settings) -> int:
    from lab.open_eval import (
        evaluate_open_file,
        render_open,
        render_open_table,
        to_json,
    )

    files = _files(args, "eval-open")
    if files is None:
        return 0
    if args.retrieval_curve:
        return _retrieval_curve(files, args, settings)
    reports = []
    for path, role in files:
        report = evaluate_open_file(
            path,
            role,
            settings,
            cache_dir=args.cache_dir,
            work_dir=args.output.parent / "open-predictions",
            limit=args.limit,
            compare=not args.no_compare,
            progress=sys.stderr.isatty(),
        )
        if report is None:
            print(f"{path.name}: no evidence strings, skipped", flush=True)
            continue
        reports.append(report)
        print(render_open(report), end="\n\n", flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(to_json(reports), indent=2), encoding="utf-8")
    print(render_open_table(reports))
    print(f"\nreport written to {args.output}")
    return 0


def _retrieval_curve(
    files: list[tuple[Path, Role]], args: argparse.Namespace, settings: Settings
) -> int:
    """``eval-open --retrieval-curve 4,8,16``: gold-sentence recall per pairs limit."""
    from lab.open_eval import retrieval_curve

    ks = sorted({int(k) for k in args.retrieval_curve.split(",")})
    print(f"{'file':<28} {'rows':>5} " + " ".join(f"{'@' + str(k):>6}" for k in ks) + "  ms/claim")
    for path, _ in files:
        curve = retrieval_curve(path, settings, ks, cache_dir=args.cache_dir, limit=args.limit)
        if curve is None:
            continue
        print(
            f"{curve.file:<28} {curve.rows:>5} "
            + " ".join(f"{curve.recall[k]:6.3f}" for k in ks)
            + f"  {curve.ms_per_claim:8.1f}",
            flush=True,
        )
    return 0


def _add_selection(p: argparse.ArgumentParser) -> None:
    """The options both commands choose their files and rows with."""
    p.add_argument("--split", choices=["eval", "dev", "all"], default="all", help="which files")
    p.add_argument("--files", nargs="*", default=None, help="only these file names")
    p.add_argument("--limit", type=int, default=None, help="first N rows of each file")


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers, "eval", run_eval, help="measure verdict quality on the benchmark files"
    )
    p.add_argument("--data-dir", type=Path, default=None, help="default: ../shared/data")
    p.add_argument("--output", type=Path, default=Path("var/eval/report.json"), help="JSON report")
    _add_selection(p)

    p = add_command(
        subparsers,
        "eval-open",
        run_eval_open,
        help="verdict quality when the verifier retrieves the evidence itself",
        description="Pool each file's evidence strings into a knowledge base (one document "
        "per distinct string, cached under --cache-dir), verify every claim against it "
        "without its given evidence, and report accuracy, macro-F1, decided precision, "
        "coverage, claims/s and evidence recall@5. Unless --no-compare, the same rows are "
        "then verified with their given evidence by the same verifier (what `claimcheck-lab "
        "eval` does) and the accuracy gap (open - given) is reported.",
    )
    p.add_argument("--data-dir", type=Path, default=None, help="default: ../shared/data")
    p.add_argument("--output", type=Path, default=Path("var/eval/open.json"), help="JSON report")
    p.add_argument(
        "--cache-dir",
        type=Path,
        default=Path("var/eval-open"),
        help="where the pooled knowledge bases are kept between runs",
    )
    p.add_argument(
        "--retrieval-curve",
        metavar="K,K,...",
        default=None,
        help="only measure how often a gold sentence is among the first K sentences that "
        "reach the stance model, for each K (choosing CLAIMCHECK_STANCE_PAIRS_MAX)",
    )
    _add_selection(p)
    p.add_argument(
        "--no-compare",
        action="store_true",
        help="skip the given-evidence run (no accuracy gap; about half the time)",
    )
