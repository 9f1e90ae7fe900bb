"""``claimcheck extract``: an article's claims, offline (no Redis, no workers).

Its speed is measured by ``claimcheck-lab bench-extract`` (:mod:`lab.bench_extract`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cli.article_input import parse_published_at, read_article
from cli.commands import Subparsers, add_command
from shared.settings import Settings


def run_extract(args: argparse.Namespace, settings: Settings) -> int:
    from services.intake.extraction.extractor import ClaimExtractor

    if args.file is None:
        print("extract: give FILE (or '-' for stdin)", file=sys.stderr)
        return 2
    text = read_article(args.file)
    published = parse_published_at(args.published_at)
    extractor = ClaimExtractor.from_settings(settings)
    result = extractor.analyse(text, published_at=published)
    if args.json:
        body = {
            "claims": [c.model_dump(mode="json") for c in result.claims],
            "skipped": result.skipped,
            "non_english": [
                {
                    "start": s.start,
                    "end": s.end,
                    "language": s.language,
                    "text": text[s.start : s.end],
                }
                for s in result.sentences
                if s.outcome == "non_english"
            ],
        }
        print(json.dumps(body, ensure_ascii=False, indent=2))
        return 0
    for i, claim in enumerate(result.claims, start=1):
        who = f"  speaker: {claim.speaker}" if claim.speaker else ""
        kind = "attributed" if claim.attributed else "fact"
        rule = f" (rule: {claim.rule})" if claim.rule else ""
        print(f"{i:>3}. [{claim.start}:{claim.end}] {claim.checkworthiness:.2f}{rule} {kind}{who}")
        print(f"     {claim.text}")
        if claim.text != claim.source_text:
            print(f"     source: {claim.source_text}")
    for note in result.sentences:
        if note.outcome == "non_english":
            print(f"  skipped ({note.language}): {text[note.start : note.end]}")
    skipped = ", ".join(f"{reason} {n}" for reason, n in sorted(result.skipped.items()))
    print(f"{len(result.claims)} claims; skipped: {skipped or 'nothing'}")
    return 0


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers,
        "extract",
        run_extract,
        help="print the claims of an article (offline, no Redis)",
    )
    p.add_argument("file", nargs="?", type=Path, help="article text file ('-' for stdin)")
    p.add_argument("--json", action="store_true", help="claims, skipped counts, non-English")
    p.add_argument("--published-at", help="ISO date: relative dates are written out")
