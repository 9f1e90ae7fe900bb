"""``claimcheck-lab checkworthiness`` (score sentences from JSONL) and ``claimcheck-lab
eval-checkworthiness`` (the model on every check-worthiness file in ../shared/data).

Neither imports ``workers/``: the model lives with the intake.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cli.commands import Subparsers, add_command
from shared.errors import InputError
from shared.jsonl import batches, iter_objects, jsonl_job, read_text_rows
from shared.settings import Settings

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
BATCH_ROWS = 64
"""Rows scored at once: the only rows held in memory."""


def score_file(
    input_path: Path, output_path: Path, model: Any, *, threshold: float, progress: bool
) -> tuple[int, int, float]:
    """Stream ``input_path`` to ``output_path``; returns (rows, checkworthy, seconds).

    Constant memory (one batch of rows at a time). The output appears only when every row
    was scored: it is written to a hidden partial file first.
    """
    started = time.perf_counter()
    rows = positives = 0
    with jsonl_job(
        input_path, output_path, progress=progress, unit="sentence", desc="checkworthiness"
    ) as job:
        for batch in batches(read_text_rows(job.source, where=str(input_path)), BATCH_ROWS):
            for row, score in zip(batch, model.score([r.text for r in batch]), strict=True):
                worthy = score >= threshold
                job.write({"id": row.id, "score": round(score, 4), "checkworthy": worthy})
                positives += worthy
            rows += len(batch)
            job.advance(len(batch))
    return rows, positives, time.perf_counter() - started


def _model(settings: Settings) -> Any:
    from services.intake.extraction.checkworthiness import CheckworthinessModel

    return CheckworthinessModel(threads=1, threshold=settings.checkworthiness_threshold)


class PipelineScorer:
    """The whole claim extractor seen as a sentence scorer, for ``--pipeline``.

    A row scores the highest check-worthiness among the claims the extractor keeps from
    it (model or editorial rule); a row it keeps nothing from scores its best model
    score, or 0 where a filter (question, fragment) dropped it before the model ran.
    """

    def __init__(self, extractor: Any) -> None:
        self.extractor = extractor
        self.threshold: float = extractor.threshold

    def score(self, texts: Sequence[str]) -> list[float]:
        out: list[float] = []
        for text in texts:
            result = self.extractor.analyse(text)
            if result.claims:
                out.append(max(c.checkworthiness for c in result.claims))
            else:
                model = [n.checkworthiness for n in result.sentences if n.checkworthiness]
                out.append(min(max(model, default=0.0), self.threshold - 1e-6))
        return out


def _scorer(args: argparse.Namespace, settings: Settings) -> Any:
    if not getattr(args, "pipeline", False):
        return _model(settings)
    from services.intake.extraction.extractor import ClaimExtractor

    extractor = ClaimExtractor(
        settings.spacy_model, scorer=_model(settings), rules=not args.no_rules
    )
    return PipelineScorer(extractor)


def run_score(args: argparse.Namespace, settings: Settings) -> int:
    model = _model(settings)
    progress = not args.no_progress
    rows, positives, seconds = score_file(
        args.input, args.output, model, threshold=model.threshold, progress=progress
    )
    rate = rows / seconds if seconds > 0 else 0.0
    print(
        f"{rows} sentences scored, {positives} check-worthy (threshold {model.threshold}), "
        f"{rate:.0f} sentences/s -> {args.output}",
        file=sys.stderr,
    )
    return 0


# --- evaluation ---------------------------------------------------------------------------


def role_of(name: str) -> str | None:
    """``eval`` (never tuned on), ``held-out`` (ct24-en.devtest), ``dev``; None: training."""
    if name.endswith(".test"):
        return "eval"
    if name.endswith(".devtest"):
        return "held-out"
    if name.endswith(".dev"):
        return "dev"
    return None


def average_precision(scores: list[float], labels: list[bool]) -> float:
    """Area under the precision-recall curve as the mean precision at each positive."""
    positives = sum(labels)
    if positives == 0:
        return 0.0
    ranked = sorted(zip(scores, labels, strict=True), key=lambda x: -x[0])
    hits = 0
    total = 0.0
    for rank, (_score, label) in enumerate(ranked, start=1):
        if label:
            hits += 1
            total += hits / rank
    return total / positives


def binary_metrics(scores: list[float], labels: list[bool], threshold: float) -> dict[str, Any]:
    tp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and y)
    fp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and not y)
    fn = sum(1 for s, y in zip(scores, labels, strict=True) if s < threshold and y)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "n": len(labels),
        "positives": sum(labels),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "average_precision": round(average_precision(scores, labels), 4),
    }


def evaluate_files(
    directory: Path, model: Any, threshold: float, *, limit: int | None = None
) -> dict[str, Any]:
    """Metrics of the positive class on every non-training file in ``directory``."""
    files: dict[str, Any] = {}
    total_rows = 0
    total_seconds = 0.0
    for path in sorted(directory.glob("*.jsonl")):
        name = path.name.removesuffix(".jsonl")
        role = role_of(name)
        if role is None:
            continue
        texts: list[str] = []
        labels: list[bool] = []
        with path.open(encoding="utf-8") as handle:
            for here, row in iter_objects(handle, where=str(path)):
                if limit is not None and len(texts) >= limit:
                    break
                if not isinstance(row.get("text"), str) or "checkworthy" not in row:
                    raise InputError(f"{here}: expected 'text' and 'checkworthy'")
                texts.append(row["text"])
                labels.append(bool(row["checkworthy"]))
        started = time.perf_counter()
        scores = model.score(texts)
        seconds = time.perf_counter() - started
        total_rows += len(texts)
        total_seconds += seconds
        files[name] = {
            "role": role,
            **binary_metrics(scores, labels, threshold),
            "sentences_per_s": round(len(texts) / seconds, 1) if seconds > 0 else None,
        }
    return {
        "threshold": threshold,
        "files": files,
        "sentences": total_rows,
        "sentences_per_s": round(total_rows / total_seconds, 1) if total_seconds > 0 else None,
        "onnx_threads": 1,
    }


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    data_dir: Path = args.data_dir or DEFAULT_DATA_DIR
    directory = data_dir / "checkworthiness"
    if not directory.is_dir():
        print(f"eval-checkworthiness: no data at {directory}; nothing to evaluate")
        return 0
    model = _scorer(args, settings)
    report = evaluate_files(directory, model, model.threshold, limit=args.limit)
    report["scorer"] = (
        ("pipeline" + ("" if args.no_rules else "+rules")) if args.pipeline else "model"
    )
    report["data_dir"] = str(directory)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    header = f"{'file':<22}{'role':<10}{'n':>7}{'P':>8}{'R':>8}{'F1':>8}{'AP':>8}{'sent/s':>9}"
    print(header)
    order = {"eval": 0, "held-out": 1, "dev": 2}
    for name, m in sorted(report["files"].items(), key=lambda kv: (order[kv[1]["role"]], kv[0])):
        print(
            f"{name:<22}{m['role']:<10}{m['n']:>7}{m['precision']:>8.3f}{m['recall']:>8.3f}"
            f"{m['f1']:>8.3f}{m['average_precision']:>8.3f}{m['sentences_per_s'] or 0:>9.0f}"
        )
    print(
        f"scorer {report['scorer']}; threshold {report['threshold']} (chosen on ct24-en.dev); "
        f"{report['sentences_per_s']} sentences/s on one onnxruntime thread; "
        f"report: {args.output}"
    )
    return 0


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers, "checkworthiness", run_score, help="score sentences from JSONL {id,text}"
    )
    p.add_argument("--input", required=True, type=Path, help="JSONL rows {id, text}")
    p.add_argument(
        "--output",
        required=True,
        type=Path,
        help="JSONL rows {id, score, checkworthy}, in input order",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    p = add_command(
        subparsers,
        "eval-checkworthiness",
        run_eval,
        help="check-worthiness P/R/F1/AP on every evaluation file",
    )
    p.add_argument("--data-dir", type=Path, default=None, help="default: ../shared/data")
    p.add_argument(
        "--output",
        type=Path,
        default=Path("var/eval/checkworthiness.json"),
        help="JSON report",
    )
    p.add_argument("--limit", type=int, default=None, help="first N rows of each file")
    p.add_argument(
        "--pipeline",
        action="store_true",
        help="score with the whole extractor (filters, model, editorial rules)",
    )
    p.add_argument(
        "--no-rules", action="store_true", help="with --pipeline: without the editorial rules"
    )
