"""Offline batch verification: JSONL claims in, JSONL verdicts out, in constant memory.

Input rows: ``{"id": str | int, "claim": str, "evidence"?: [str, ...]}``; a row whose
evidence is longer than ``max_evidence_chars`` in all (default :data:`MAX_EVIDENCE_CHARS`)
is refused naming its line, before anything is verified.
Output rows: ``{"id": <the row's id>, **verdict}``, one per input row, in input order, where
``verdict`` is the whole :class:`~shared.schemas.Verdict` as JSON (label, confidence,
needs_review, evidence with document ids and sentences, reason, ...), exactly what the
workers publish on the stream.

Rows are read, verified and written one at a time. The output is written to a temporary
file next to ``output_path`` and moved into place only when every row succeeded, so a
failed run never leaves a half-written file behind.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from shared.errors import InputError
from shared.jsonl import iter_objects, jsonl_job, required_text, row_id
from shared.schemas import LABELS, Verdict
from shared.store.claims import ClaimRecord
from workers.verification.pipeline import Verifier
from workers.verification.verdict_policy import VerdictPolicy

MAX_EVIDENCE_CHARS = 100_000
"""Given evidence per row, in characters: about 40 pages of text, far more than a claim's
evidence, and what the verifier reads in a second or two."""


@dataclass(frozen=True)
class BatchRow:
    id: str | int
    claim: str
    evidence: list[str] | None


@dataclass
class BatchStats:
    rows: int = 0
    seconds: float = 0.0
    labels: Counter[str] = field(default_factory=Counter)
    with_evidence: int = 0
    source_failures: int = 0
    """Rows whose check went ahead without a source that failed."""

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        counts = ", ".join(f"{label}={self.labels.get(label, 0)}" for label in LABELS)
        text = (
            f"verified {self.rows} claims in {self.seconds:.2f}s "
            f"({self.rows_per_second:.1f}/s): {counts}"
        )
        if self.source_failures:
            text += f"; {self.source_failures} checked with a source missing"
        return text


def verify_batch(
    input_path: Path,
    output_path: Path,
    verifier: Verifier,
    *,
    progress: bool,
    max_evidence_chars: int = MAX_EVIDENCE_CHARS,
    policy: VerdictPolicy | None = None,
    newsroom: str | None = None,
) -> BatchStats:
    """Verify every row of ``input_path`` and write one result row each to ``output_path``.

    Each verdict is settled by the verdict policy the service uses (``policy``; without
    one, no newsroom's rulings or earlier checks: every claim is checked), as a claim of
    ``newsroom``. A malformed row stops the run with an :class:`InputError` naming its
    line. The progress bar (tqdm) is shown only when ``progress`` is set and stderr is a
    terminal.
    """
    policy = policy or VerdictPolicy()
    input_path, output_path = Path(input_path), Path(output_path)
    stats = BatchStats()
    started = time.perf_counter()
    with jsonl_job(
        input_path, output_path, progress=progress, unit="claim", desc="verify-batch"
    ) as job:
        rows = read_rows(job.source, where=str(input_path), max_evidence_chars=max_evidence_chars)
        for row in rows:
            record = ClaimRecord(claim_id=str(row.id), text=row.claim, newsroom=newsroom)
            verdict = policy.verdict(record, _checker(verifier, record, row.evidence)).verdict
            job.write(output_row(row.id, verdict))
            stats.rows += 1
            stats.labels[verdict.label] += 1
            stats.with_evidence += row.evidence is not None
            stats.source_failures += bool(verdict.sources_failed)
            job.advance()
    stats.seconds = time.perf_counter() - started
    return stats


def _checker(
    verifier: Verifier, record: ClaimRecord, evidence: list[str] | None
) -> Callable[[], Verdict]:
    def check() -> Verdict:
        verdict = verifier.verify(
            record.claim_id, record.text, evidence=evidence, tolerate_source_errors=False
        )
        return record.stamp(verdict)

    return check


def output_row(row_id: str | int, verdict: Verdict) -> dict[str, object]:
    """One output row: the input row's id (as given: string or integer), then the verdict."""
    return {"id": row_id, **verdict.model_dump(mode="json")}


def read_rows(
    lines: IO[str], *, where: str, max_evidence_chars: int = MAX_EVIDENCE_CHARS
) -> Iterator[BatchRow]:
    """Parse input rows lazily; blank lines are skipped, bad ones raise naming the line."""
    for here, data in iter_objects(lines, where=where):
        evidence = data.get("evidence")
        if evidence is not None and (
            not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence)
        ):
            raise InputError(f"{here}: 'evidence' must be a list of strings", field="evidence")
        size = sum(len(e) for e in evidence or ())
        if size > max_evidence_chars:
            raise InputError(
                f"{here}: 'evidence' holds {size:,} characters, more than the "
                f"{max_evidence_chars:,} a row may give",
                field="evidence",
            )
        yield BatchRow(
            id=row_id(data, where=here),
            claim=required_text(data, "claim", where=here),
            evidence=evidence,
        )
