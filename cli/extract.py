"""``claimcheck extract``: an article's claims, offline (no Redis, no workers); ``--bench``
measures extraction speed on one core."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from shared.errors import InputError
from shared.settings import Settings

SEED_ARTICLE = Path(__file__).resolve().parents[1] / "examples" / "danang-article.txt"
STARTER_KB = (
    Path(__file__).resolve().parents[1] / "workers" / "sources" / "data" / "starter_kb.jsonl"
)


def _read(path: Path) -> str:
    try:
        return sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc


def _published(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"--published-at: not an ISO date or datetime: {value!r}") from None


def run_extract(args: argparse.Namespace, settings: Settings) -> int:
    from services.intake.extraction import ClaimExtractor

    if args.bench:
        return run_bench(args, settings)
    if args.file is None:
        print("extract: give FILE (or '-' for stdin), or --bench", file=sys.stderr)
        return 2
    text = _read(args.file)
    published = _published(args.published_at)
    extractor = ClaimExtractor.from_settings(settings)
    result = extractor.analyse(text, published_at=published)
    if args.json:
        body = {
            "claims": [asdict(c) for c in result.claims],
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


# --- benchmark ------------------------------------------------------------------------------


def bench_article(words: int) -> str:
    """A deterministic news-like article of about ``words`` words: the seed article's
    English paragraphs, then starter knowledge-base passages, then again with the years
    shifted so that nothing is an exact repeat."""
    pieces = [p for p in SEED_ARTICLE.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    if STARTER_KB.is_file():
        with STARTER_KB.open(encoding="utf-8") as handle:
            pieces += [json.loads(line)["text"] for line in handle if line.strip()]
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
    import re

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
    from services.intake.checkworthiness import CheckworthinessModel
    from services.intake.extraction import ClaimExtractor

    text = _read(args.file) if args.file is not None else bench_article(args.words)
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
