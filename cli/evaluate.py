"""``claimcheck eval``: verdict quality on every labelled verification file in ../shared/data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shared.settings import Settings

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    from workers.context import build_verifier, close_verifier
    from workers.verification.evaluation import (
        Role,
        discover,
        evaluate_file,
        render,
        to_json,
    )

    data_dir: Path = args.data_dir or DEFAULT_DATA_DIR
    directory = data_dir / "verification"
    if not directory.is_dir():
        print(
            f"claimcheck eval: no benchmark data at {directory} "
            "(the shared data folder is absent); nothing to evaluate"
        )
        return 0
    roles: list[Role] = ["eval", "dev"] if args.split == "all" else [args.split]
    files = discover(directory, roles)
    if args.files:
        files = [(p, r) for p, r in files if p.name in set(args.files)]
    if not files:
        print(f"claimcheck eval: no matching files in {directory}")
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
    print("| file | role | rows | accuracy | macro-F1 | ECE | claims/s | pairs/s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in reports:
        print(
            f"| {r.file} | {r.role} | {r.rows} | {r.accuracy:.3f} | {r.macro_f1:.3f} "
            f"| {r.ece:.3f} | {r.claims_per_second:.1f} | {r.pairs_per_second:.0f} |"
        )
    print(f"\nverifier {verifier.version}; report written to {args.output}")
    return 0
