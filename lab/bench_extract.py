"""``claimcheck-lab bench-extract``: how fast the claim extractor reads an article.

The median time of :meth:`ClaimExtractor.analyse` over ``--repeat`` runs, on one core and
then on every core the process may use, on a given article or on a deterministic
news-like one of ``--words`` words (:func:`bench_article`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from cli.article_input import read_article
from cli.commands import Subparsers, add_command
from shared.jsonl import iter_objects
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SEED_ARTICLE = ROOT / "examples" / "danang-article.txt"
STARTER_KB = ROOT / "workers" / "sources" / "data" / "starter_kb.jsonl"


def bench_article(words: int) -> str:
    """A deterministic news-like article of about ``words`` words: the seed article's
    English paragraphs, then starter knowledge-base passages, then again with the years
    shifted so that nothing is an exact repeat."""
    pieces = [p for p in SEED_ARTICLE.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    if STARTER_KB.is_file():
        with STARTER_KB.open(encoding="utf-8") as handle:
            pieces += [row["text"] for _, row in iter_objects(handle, where=str(STARTER_KB))]
    out: list[str] = []
    count = 0
    shift = 0
    while count < words:
        for piece in pieces:
            text = piece if shift == 0 else _shift_years(piece, shift)
            out.append(text)
            count += len(text.split())
            if count >= words:
                break
        shift += 1
    return "\n\n".join(out)


def _shift_years(text: str, shift: int) -> str:
    return re.sub(r"\b(19|20)(\d\d)\b", lambda m: str(int(m.group()) - shift * 3), text)


class _TimedScorer:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.threshold: float = inner.threshold
        self.seconds = 0.0
        self.sentences = 0

    def score(self, texts: Sequence[str]) -> list[float]:
        started = time.perf_counter()
        out: list[float] = self.inner.score(texts)
        self.seconds += time.perf_counter() - started
        self.sentences += len(texts)
        return out


def run_bench(args: argparse.Namespace, settings: Settings) -> int:
    """Median time of :meth:`ClaimExtractor.analyse`: on one core (affinity restored after),
    then on every core the process may use (the model scores beside spaCy's NER)."""
    report: dict[str, Any] = {}
    if hasattr(os, "sched_setaffinity"):
        cores = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(cores)})  # one core, as the target says
        try:
            report = _bench(args, settings, cores=1)
        finally:
            os.sched_setaffinity(0, cores)
        if len(cores) > 1:
            many = _bench(args, settings, cores=len(cores))
            report["all_cores"] = {
                key: many[key]
                for key in ("cpu_cores", "seconds_median", "seconds_runs", "sentences_per_s")
            }
    else:
        report = _bench(args, settings, cores=None)
    print(json.dumps(report, indent=2))
    return 0


def _bench(args: argparse.Namespace, settings: Settings, *, cores: int | None) -> dict[str, Any]:
    from services.intake.extraction.checkworthiness import CheckworthinessModel
    from services.intake.extraction.extractor import ClaimExtractor

    text = read_article(args.file) if args.file is not None else bench_article(args.words)
    scorer = _TimedScorer(
        CheckworthinessModel(threads=1, threshold=settings.checkworthiness_threshold)
    )
    # on one core the scoring thread would only compete with NER
    extractor = ClaimExtractor(settings.spacy_model, scorer=scorer, parallel=cores != 1)
    extractor.analyse(text[:2000])  # load the sessions
    runs: list[float] = []
    result = None
    scorer.seconds, scorer.sentences = 0.0, 0
    try:
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = extractor.analyse(text, published_at=datetime(2017, 11, 11))
            runs.append(time.perf_counter() - started)
    finally:
        extractor.close()
    assert result is not None
    seconds = statistics.median(runs)
    sentences = len(result.sentences)
    return {
        "words": len(text.split()),
        "sentences": sentences,
        "scored": scorer.sentences // args.repeat,
        "claims": len(result.claims),
        "seconds_median": round(seconds, 3),
        "seconds_runs": [round(r, 3) for r in runs],
        "sentences_per_s": round(sentences / seconds, 1),
        "model_seconds": round(scorer.seconds / args.repeat, 3),
        "model_sentences_per_s": round(scorer.sentences / scorer.seconds, 1)
        if scorer.seconds
        else None,
        "cpu_cores": cores,
        "onnx_threads": 1,
    }


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers, "bench-extract", run_bench, help="claim extraction speed on one core"
    )
    p.add_argument(
        "file", nargs="?", type=Path, help="article text file ('-' for stdin; default: generated)"
    )
    p.add_argument("--words", type=int, default=5000, help="size of the generated article")
    p.add_argument("--repeat", type=int, default=3, help="runs (the median is reported)")
