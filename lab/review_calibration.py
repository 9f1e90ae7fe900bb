"""``claimcheck-lab calibrate --from-reviews``: confidence maps refitted on editors' rulings.

Every claim of the newsroom whose verdict an editor reviewed is one point: the verdict's
label and confidence, and whether the editor kept the label. Verdicts that came from a
ruling or reused an earlier verdict are left out (the editor's label is what they are), and
so are twins resolved by a ruling on another claim (one editorial decision is one point).
The points are split in two halves by a hash of the claim id (the same claim always
falls in the same half); per-label isotonic maps (:class:`VerdictCalibration`) are fitted
on one half and the other half is scored before and after: ECE, Brier score, and how often
the model's label was the editor's. Below ``--min-reviews`` points nothing is fitted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import redis

from lab.verdict_eval import expected_calibration_error
from shared.errors import InputError
from shared.store.claims import ClaimRecord, ClaimStore
from workers.verification.calibration import VerdictCalibration

_SCAN = 500


@dataclass(frozen=True)
class Point:
    claim_id: str
    label: str
    confidence: float
    kept: bool
    """The editor's label is the verdict's."""


def reviewed_points(client: redis.Redis, store: ClaimStore, newsroom: str | None) -> list[Point]:
    """One point per reviewed, model-decided verdict of ``newsroom`` (None: no newsroom)."""
    points: list[Point] = []
    batch: list[str] = []

    def flush() -> None:
        for record in store.get_claims(batch):
            point = _point(record, newsroom)
            if point is not None:
                points.append(point)
        batch.clear()

    prefix = store.keys.claim("")
    for key in client.scan_iter(match=store.keys.claim("*"), count=_SCAN):
        batch.append(str(key).removeprefix(prefix))
        if len(batch) >= _SCAN:
            flush()
    flush()
    return sorted(points, key=lambda p: p.claim_id)


def _point(record: ClaimRecord, newsroom: str | None) -> Point | None:
    verdict, review = record.verdict, record.review
    if verdict is None or review is None or record.newsroom != newsroom:
        return None
    if review.resolved_by is not None:
        return None  # the ruling on its twin, counted there
    if verdict.reused_from is not None or any(e.source == "newsroom" for e in verdict.evidence):
        return None  # the editor's own label, not the model's
    return Point(record.claim_id, verdict.label, verdict.confidence, review.label == verdict.label)


def held_out(claim_id: str) -> bool:
    return hashlib.sha1(claim_id.encode(), usedforsecurity=False).digest()[0] % 2 == 1


@dataclass(frozen=True)
class Scores:
    n: int
    kept: float
    """Share of verdicts whose label the editor kept."""
    ece: float
    brier: float

    def __str__(self) -> str:
        return f"n={self.n} kept={self.kept:.3f} ECE={self.ece:.3f} Brier={self.brier:.3f}"


def scores(confidences: list[float], kept: list[bool]) -> Scores:
    n = len(confidences)
    brier = sum((c - k) ** 2 for c, k in zip(confidences, kept, strict=True)) / n if n else 0.0
    return Scores(
        n=n,
        kept=sum(kept) / n if n else 0.0,
        ece=expected_calibration_error(confidences, kept),
        brier=brier,
    )


@dataclass(frozen=True)
class Refit:
    calibration: VerdictCalibration
    before: Scores
    after: Scores


def refit(points: list[Point], *, min_reviews: int, newsroom: str | None) -> Refit:
    """Fit on one half, score the other; :class:`InputError` below ``min_reviews``."""
    if len(points) < min_reviews:
        who = newsroom or "claims without a newsroom"
        raise InputError(
            f"{len(points)} reviewed verdicts of {who}, fewer than --min-reviews {min_reviews}: "
            "nothing refitted (more reviews, or a lower --min-reviews for a trial)"
        )
    fit = [p for p in points if not held_out(p.claim_id)]
    test = [p for p in points if held_out(p.claim_id)]
    calibration = VerdictCalibration.fit(
        [p.label for p in fit], [p.confidence for p in fit], [p.kept for p in fit]
    )
    kept = [p.kept for p in test]
    before = scores([p.confidence for p in test], kept)
    after = scores([calibration(p.label, p.confidence) for p in test], kept)
    return Refit(calibration, before, after)


def write_refit(result: Refit, path: Path, newsroom: str | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(result.calibration.to_json() + "\n", encoding="utf-8")
    report = {
        "newsroom": newsroom,
        "held_out_before": result.before.__dict__,
        "held_out_after": result.after.__dict__,
    }
    path.with_suffix(".report.json").write_text(json.dumps(report, indent=1) + "\n", "utf-8")
