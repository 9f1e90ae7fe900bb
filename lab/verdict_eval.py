"""Measuring verdict quality on labelled claim-evidence files (``claimcheck-lab eval``).

Every file is run through :func:`workers.verification.batch.verify_batch` — the same
``Verifier.verify`` the workers call — and its predictions are compared with the gold
labels: accuracy, macro-F1 over the file's gold classes, per-class precision/recall/F1,
a confusion matrix, the calibration error, throughput, and the two numbers that say how far
a newsroom can trust a verdict nobody reviews:

* **decided precision**: among the *decided* verdicts (``needs_review`` false and label
  ``supported`` or ``refuted``), the share whose label equals the gold label;
* **coverage**: the share of all claims that were decided.

Per predicted label (supported, refuted) the same two numbers are restricted to the
verdicts of that label, so the per-label coverages add up to the file's coverage.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from shared.schemas import LABELS
from workers.verification.batch import verify_batch
from workers.verification.pipeline import Verifier

Role = Literal["eval", "dev"]

DECIDED_LABELS: tuple[str, ...] = ("supported", "refuted")
"""The labels a verdict can be decided with (not_enough_info and conflicting never are)."""
DECIDED_PRECISION_TARGET = 0.90
"""The decided precision each file is checked against (``decided precision ≥ 0.90``)."""

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


@dataclass(frozen=True)
class DecidedScores:
    """Decided precision and coverage over ``total`` claims (see the module docstring)."""

    decided: int
    """verdicts with needs_review false and a decided label (of ``label``, if one is set)"""
    correct: int
    """decided verdicts whose label equals the gold label"""
    total: int
    """every claim scored, decided or not"""
    precision: float | None
    """correct / decided; None when nothing was decided"""
    coverage: float
    """decided / total (0 without claims)"""

    @classmethod
    def of(cls, decided: int, correct: int, total: int) -> DecidedScores:
        return cls(
            decided=decided,
            correct=correct,
            total=total,
            precision=correct / decided if decided else None,
            coverage=decided / total if total else 0.0,
        )

    @property
    def meets_target(self) -> bool:
        return self.precision is not None and self.precision >= DECIDED_PRECISION_TARGET


def decided_scores(
    gold: Sequence[str],
    predicted: Sequence[str],
    needs_review: Sequence[bool],
    *,
    label: str | None = None,
) -> DecidedScores:
    """Decided precision and coverage; with ``label``, of the verdicts of that label only.

    A verdict is decided when it does not need review and its label is supported or
    refuted. Coverage is always over every claim, so per-label coverages sum to the whole.
    """
    if not len(gold) == len(predicted) == len(needs_review):
        raise ValueError(
            f"{len(gold)} gold labels, {len(predicted)} predictions, "
            f"{len(needs_review)} review flags"
        )
    decided = correct = 0
    for g, p, review in zip(gold, predicted, needs_review, strict=True):
        if review or p not in DECIDED_LABELS or (label is not None and p != label):
            continue
        decided += 1
        correct += g == p
    return DecidedScores.of(decided, correct, len(gold))


def pool_decided(scores: Iterable[DecidedScores]) -> DecidedScores:
    """Decided precision and coverage over the claims of several files taken together."""
    decided = correct = total = 0
    for s in scores:
        decided, correct, total = decided + s.decided, correct + s.correct, total + s.total
    return DecidedScores.of(decided, correct, total)


def check_line(scores: DecidedScores) -> str:
    """``decided precision ≥ 0.90: ✓`` (or ✗; ✗ too when no claim was decided)."""
    mark = "✓" if scores.meets_target else "✗"
    if scores.precision is None:
        mark += " (no claim decided)"
    return f"decided precision ≥ {DECIDED_PRECISION_TARGET:.2f}: {mark}"


@dataclass(frozen=True)
class Prediction:
    """What evaluation reads back from one ``verify-batch`` output row."""

    id: str | int
    label: str
    confidence: float
    needs_review: bool
    evidence_ids: tuple[str, ...]
    """document ids of the verdict's evidence, in the verdict's order"""


def read_predictions(path: Path) -> list[Prediction]:
    """The rows of a ``verify-batch`` output file (one whole verdict each), in order."""
    out: list[Prediction] = []
    with path.open(encoding="utf-8") as rows:
        for line in rows:
            if not line.strip():
                continue
            r = json.loads(line)
            out.append(
                Prediction(
                    id=r["id"],
                    label=str(r["label"]),
                    confidence=float(r["confidence"]),
                    needs_review=bool(r["needs_review"]),
                    evidence_ids=tuple(str(e["doc_id"]) for e in r.get("evidence") or ()),
                )
            )
    return out


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
    decided: DecidedScores
    """decided precision and coverage over the file"""
    decided_by_label: dict[str, DecidedScores]
    """the same for the verdicts of each decided label (supported, refuted)"""
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
    """Verify the file's rows with their given evidence and score the verdicts."""
    work_dir.mkdir(parents=True, exist_ok=True)
    source = _head(path, limit, work_dir / f"{path.stem}.input.jsonl") if limit else path
    predictions_path = work_dir / f"{path.stem}.predictions.jsonl"
    pairs_before = verifier.pairs_scored
    stats = verify_batch(source, predictions_path, verifier, progress=progress)
    pairs = verifier.pairs_scored - pairs_before
    return build_report(
        path.name,
        role,
        list(_gold_labels(path, limit)),
        read_predictions(predictions_path),
        seconds=stats.seconds,
        pairs=pairs,
    )


def build_report(
    file: str,
    role: Role,
    gold_pairs: Sequence[tuple[str, str]],
    predictions: Sequence[Prediction],
    *,
    seconds: float,
    pairs: int,
) -> FileReport:
    """Score ``predictions`` against ``(row id, gold label)`` pairs given in the same order."""
    if len(gold_pairs) != len(predictions):
        raise ValueError(f"{len(gold_pairs)} gold rows but {len(predictions)} predictions")
    for (row_id, _), p in zip(gold_pairs, predictions, strict=True):
        if str(p.id) != row_id:
            raise ValueError(f"prediction for {p.id!r} where row {row_id!r} was expected")
    gold = [label for _, label in gold_pairs]
    pred = [p.label for p in predictions]
    review = [p.needs_review for p in predictions]
    accuracy, macro_f1, per_class = score(gold, pred)
    confusion: dict[str, dict[str, int]] = {
        g: dict.fromkeys(LABELS, 0) for g in LABELS if g in set(gold)
    }
    for g, p_label in zip(gold, pred, strict=True):
        confusion[g][p_label] += 1
    return FileReport(
        file=file,
        role=role,
        rows=len(gold),
        accuracy=accuracy,
        macro_f1=macro_f1,
        per_class=per_class,
        confusion=confusion,
        ece=expected_calibration_error(
            [p.confidence for p in predictions], [g == p for g, p in zip(gold, pred, strict=True)]
        ),
        decided=decided_scores(gold, pred, review),
        decided_by_label={
            label: decided_scores(gold, pred, review, label=label) for label in DECIDED_LABELS
        },
        seconds=seconds,
        claims_per_second=len(gold) / seconds if seconds > 0 else 0.0,
        pairs_per_second=pairs / seconds if seconds > 0 else 0.0,
        gold_counts=dict(Counter(gold)),
    )


def _fmt(value: float | None, width: int = 6) -> str:
    return f"{value:{width}.3f}" if value is not None else f"{'-':>{width}}"


def render(report: FileReport) -> str:
    """A plain-text block for one file: headline numbers, per-class scores, confusion."""
    short = {"supported": "SUP", "refuted": "REF", "not_enough_info": "NEI", "conflicting": "CON"}
    d = report.decided
    lines = [
        f"{report.file} [{report.role}] rows={report.rows} accuracy={report.accuracy:.3f} "
        f"macro-F1={report.macro_f1:.3f} ECE={report.ece:.3f} "
        f"claims/s={report.claims_per_second:.1f} pairs/s={report.pairs_per_second:.1f}",
        f"  decided precision={_fmt(d.precision, 0)} coverage={d.coverage:.3f} "
        f"({d.correct}/{d.decided} right, {d.decided}/{d.total} decided)",
        f"  {check_line(d)}",
        "  class            P      R      F1   support  dec.P    cov",
    ]
    for label, c in report.per_class.items():
        by_label = report.decided_by_label.get(label)
        decided = (
            f"{_fmt(by_label.precision)} {by_label.coverage:6.3f}"
            if by_label is not None
            else f"{'-':>6} {'-':>6}"
        )
        lines.append(
            f"  {label:<15} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} {c.support:7d} {decided}"
        )
    for label, by_label in report.decided_by_label.items():
        if label not in report.per_class and by_label.decided:  # decided, but not a gold class
            lines.append(
                f"  {label:<15} {'-':>6} {'-':>6} {'-':>6} {0:7d} "
                f"{_fmt(by_label.precision)} {by_label.coverage:6.3f}"
            )
    lines.append("  gold \\ predicted " + " ".join(f"{short[p]:>6}" for p in LABELS))
    for gold, row in report.confusion.items():
        lines.append(f"  {short[gold]:<17}" + " ".join(f"{row[p]:6d}" for p in LABELS))
    return "\n".join(lines)


@dataclass(frozen=True)
class PooledReport:
    """Every file's claims taken together."""

    files: int
    rows: int
    accuracy: float
    decided: DecidedScores
    decided_by_label: dict[str, DecidedScores]


def pooled(reports: Sequence[FileReport]) -> PooledReport:
    """Accuracy, decided precision and coverage over the claims of every file together."""
    rows = sum(r.rows for r in reports)
    correct = sum(r.confusion[label][label] for r in reports for label in r.confusion)
    return PooledReport(
        files=len(reports),
        rows=rows,
        accuracy=correct / rows if rows else 0.0,
        decided=pool_decided(r.decided for r in reports),
        decided_by_label={
            label: pool_decided(r.decided_by_label[label] for r in reports)
            for label in DECIDED_LABELS
        },
    )


def render_pooled(reports: Sequence[FileReport]) -> str:
    """One summary line over every file's claims, with the decided-precision check."""
    summary = pooled(reports)
    d = summary.decided
    return (
        f"pooled over {summary.files} files, {summary.rows} claims: "
        f"accuracy={summary.accuracy:.3f} decided precision={_fmt(d.precision, 0)} "
        f"coverage={d.coverage:.3f} ({d.decided} decided); {check_line(d)}"
    )


def to_json(reports: list[FileReport], verifier_version: str) -> str:
    return json.dumps(
        {
            "verifier_version": verifier_version,
            "decided_precision_target": DECIDED_PRECISION_TARGET,
            "pooled": asdict(pooled(reports)),
            "files": [asdict(r) for r in reports],
        },
        indent=2,
    )
