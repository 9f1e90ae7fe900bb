"""Measuring verdict quality on labelled claim-evidence files (``claimcheck eval``).

Every file is run through :func:`workers.verification.batch.verify_batch` — the same
``Verifier.verify`` the workers call — and its predictions are compared with the gold
labels: accuracy, macro-F1 over the file's gold classes, per-class precision/recall/F1,
a confusion matrix, and throughput.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from shared.schemas import LABELS
from workers.verification.batch import verify_batch
from workers.verification.pipeline import Verifier

Role = Literal["eval", "dev"]

# DATA.md: files that are evaluation-only although their names do not end in .test
_EVAL_ONLY = {"factcheck-gpt-stance.jsonl"}


def role_of(path: Path) -> Role | None:
    """``eval`` for evaluation-only files, ``dev`` for dev files, None for training files."""
    name = path.name
    if name in _EVAL_ONLY or name.endswith(".test.jsonl"):
        return "eval"
    if name.endswith(".dev.jsonl"):
        return "dev"
    return None


def discover(directory: Path, roles: Iterable[Role]) -> list[tuple[Path, Role]]:
    wanted = set(roles)
    found = []
    for path in sorted(directory.glob("*.jsonl")):
        role = role_of(path)
        if role is not None and role in wanted:
            found.append((path, role))
    return found


@dataclass(frozen=True)
class ClassScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class FileReport:
    file: str
    role: Role
    rows: int
    accuracy: float
    macro_f1: float
    per_class: dict[str, ClassScores]
    confusion: dict[str, dict[str, int]]
    """gold label -> predicted label -> count"""
    ece: float
    """expected calibration error of the verdict confidence (10 equal-width bins)"""
    seconds: float
    claims_per_second: float
    pairs_per_second: float
    """(claim, evidence sentence) pairs scored per second"""
    gold_counts: dict[str, int] = field(default_factory=dict)


def score(gold: list[str], predicted: list[str]) -> tuple[float, float, dict[str, ClassScores]]:
    """Accuracy, macro-F1 over the gold classes, and per-class scores."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    if not gold:
        return 0.0, 0.0, {}
    pairs = Counter(zip(gold, predicted, strict=True))
    gold_counts, pred_counts = Counter(gold), Counter(predicted)
    per_class: dict[str, ClassScores] = {}
    for label in LABELS:
        if gold_counts[label] == 0:
            continue
        tp = pairs[(label, label)]
        precision = tp / pred_counts[label] if pred_counts[label] else 0.0
        recall = tp / gold_counts[label]
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = ClassScores(precision, recall, f1, gold_counts[label])
    accuracy = sum(pairs[(label, label)] for label in LABELS) / len(gold)
    macro_f1 = sum(c.f1 for c in per_class.values()) / len(per_class)
    return accuracy, macro_f1, per_class


def expected_calibration_error(
    confidences: list[float], correct: list[bool], bins: int = 10
) -> float:
    """Weighted mean gap between confidence and accuracy over equal-width confidence bins."""
    if not confidences:
        return 0.0
    totals = [[0, 0.0, 0] for _ in range(bins)]  # count, sum of confidence, correct
    for confidence, ok in zip(confidences, correct, strict=True):
        b = totals[min(bins - 1, int(confidence * bins))]
        b[0] += 1
        b[1] += confidence
        b[2] += ok
    n = len(confidences)
    return sum(abs(c / k - s / k) * k / n for k, s, c in totals if k)


def _gold_labels(path: Path, limit: int | None) -> Iterator[tuple[str, str]]:
    with path.open(encoding="utf-8") as rows:
        for n, line in enumerate(rows):
            if limit is not None and n >= limit:
                return
            row = json.loads(line)
            yield str(row["id"]), str(row["label"])


def _head(path: Path, limit: int, target: Path) -> Path:
    with path.open(encoding="utf-8") as rows, target.open("w", encoding="utf-8") as out:
        for n, line in enumerate(rows):
            if n >= limit:
                break
            out.write(line)
    return target


def evaluate_file(
    path: Path,
    role: Role,
    verifier: Verifier,
    work_dir: Path,
    *,
    limit: int | None = None,
    progress: bool = False,
) -> FileReport:
    work_dir.mkdir(parents=True, exist_ok=True)
    source = _head(path, limit, work_dir / f"{path.stem}.input.jsonl") if limit else path
    predictions_path = work_dir / f"{path.stem}.predictions.jsonl"
    pairs_before = verifier.pairs_scored
    stats = verify_batch(source, predictions_path, verifier, progress=progress)
    pairs = verifier.pairs_scored - pairs_before
    with predictions_path.open(encoding="utf-8") as rows:
        predicted = {
            str(r["id"]): (str(r["label"]), float(r["confidence"])) for r in map(json.loads, rows)
        }
    gold_pairs = list(_gold_labels(path, limit))
    gold = [label for _, label in gold_pairs]
    pred = [predicted[row_id][0] for row_id, _ in gold_pairs]
    confidences = [predicted[row_id][1] for row_id, _ in gold_pairs]
    accuracy, macro_f1, per_class = score(gold, pred)
    confusion: dict[str, dict[str, int]] = {
        g: dict.fromkeys(LABELS, 0) for g in LABELS if g in set(gold)
    }
    for g, p in zip(gold, pred, strict=True):
        confusion[g][p] += 1
    return FileReport(
        file=path.name,
        role=role,
        rows=len(gold),
        accuracy=accuracy,
        macro_f1=macro_f1,
        per_class=per_class,
        confusion=confusion,
        ece=expected_calibration_error(
            confidences, [g == p for g, p in zip(gold, pred, strict=True)]
        ),
        seconds=stats.seconds,
        claims_per_second=stats.rows_per_second,
        pairs_per_second=pairs / stats.seconds if stats.seconds > 0 else 0.0,
        gold_counts=dict(Counter(gold)),
    )


def render(report: FileReport) -> str:
    """A plain-text block for one file: headline numbers, per-class scores, confusion."""
    short = {"supported": "SUP", "refuted": "REF", "not_enough_info": "NEI", "conflicting": "CON"}
    lines = [
        f"{report.file} [{report.role}] rows={report.rows} accuracy={report.accuracy:.3f} "
        f"macro-F1={report.macro_f1:.3f} ECE={report.ece:.3f} "
        f"claims/s={report.claims_per_second:.1f} pairs/s={report.pairs_per_second:.1f}",
        "  class            P      R      F1   support",
    ]
    for label, c in report.per_class.items():
        lines.append(f"  {label:<15} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} {c.support:7d}")
    lines.append("  gold \\ predicted " + " ".join(f"{short[p]:>6}" for p in LABELS))
    for gold, row in report.confusion.items():
        lines.append(f"  {short[gold]:<17}" + " ".join(f"{row[p]:6d}" for p in LABELS))
    return "\n".join(lines)


def to_json(reports: list[FileReport], verifier_version: str) -> str:
    return json.dumps(
        {"verifier_version": verifier_version, "files": [asdict(r) for r in reports]}, indent=2
    )
