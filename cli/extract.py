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
from cli.output import claim_texts
from shared.schemas import SkippedSentence
from shared.settings import Settings


def run_extract(args: argparse.Namespace, settings: Settings) -> int:
    from services.intake.extraction.extractor import ClaimExtractor

    if args.file is None:
        print("extract: give FILE (or '-' for stdin)", file=sys.stderr)
        return 2
    text = read_article(args.file)
    published = parse_published_at(args.published_at)
    extractor = ClaimExtractor.warmed_up(
        settings.spacy_model, threshold=settings.checkworthiness_threshold
    )
    result = extractor.analyse(text, published_at=published)
    skipped_sentences = result.skipped_sentences(text)
    if args.json:
        body = {
            "claims": [c.model_dump(mode="json") for c in result.claims],
            "skipped": result.skipped,
            "skipped_sentences": [s.model_dump(mode="json") for s in skipped_sentences],
        }
        print(json.dumps(body, ensure_ascii=False, indent=2))
        return 0
    for i, claim in enumerate(result.claims, start=1):
        who = f"  speaker: {claim.speaker}" if claim.speaker else ""
        kind = "attributed" if claim.attributed else "fact"
        rule = f" (rule: {claim.rule})" if claim.rule else ""
        print(f"{i:>3}. [{claim.start}:{claim.end}] {claim.checkworthiness:.2f}{rule} {kind}{who}")
        print(f"     {claim.text}")
        for line in claim_texts(claim.text, claim.source_text, stand_alone=claim.stand_alone):
            print(f"     {line}")
    if skipped_sentences and not args.claims_only:
        print("skipped:")
    for skip in skipped_sentences if not args.claims_only else []:
        print(f"  - [{skip.start}:{skip.end}] {_why(skip)}: {skip.text}")
    skipped = ", ".join(f"{reason} {n}" for reason, n in sorted(result.skipped.items()))
    print(f"{len(result.claims)} claims; skipped: {skipped or 'nothing'}")
    return 0


def _why(skip: SkippedSentence) -> str:
    """``below_threshold 0.31``, ``non_english ru``, ``unreadable garbled_quote``..."""
    if skip.reason == "non_english":
        return f"non_english {skip.language}"
    if skip.detail:
        return f"{skip.reason} {skip.detail}"
    if skip.score is not None:
        return f"{skip.reason} {skip.score:.2f}"
    return skip.reason


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers,
        "extract",
        run_extract,
        help="print the claims of an article (offline, no Redis)",
    )
    p.add_argument("file", nargs="?", type=Path, help="article text file ('-' for stdin)")
    p.add_argument(
        "--json", action="store_true", help="claims, skipped counts and every skipped sentence"
    )
    p.add_argument("--claims-only", action="store_true", help="do not list the skipped sentences")
    p.add_argument("--published-at", help="ISO date: relative dates are written out")
