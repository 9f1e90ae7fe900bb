"""Verdict-level confidence calibration: isotonic maps fitted on dev files.

The stance model's probabilities are temperature-scaled per sentence pair, but a verdict's
confidence comes out of aggregation over several sentences, so it is calibrated again at
the claim level: one monotone map per predicted label (pool-adjacent-violators), fitted on
dev predictions, stored as JSON beside the model and applied by the verifier.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

MIN_POINTS = 50
"""Labels with fewer dev predictions than this use the map fitted on all labels."""


@dataclass(frozen=True)
class IsotonicMap:
    """A non-decreasing step function, linearly interpolated between block centres."""

    x: tuple[float, ...]
    y: tuple[float, ...]

    def __call__(self, value: float) -> float:
        if not self.x:
            return value
        if value <= self.x[0]:
            return self.y[0]
        if value >= self.x[-1]:
            return self.y[-1]
        i = bisect.bisect_right(self.x, value)
        x0, x1, y0, y1 = self.x[i - 1], self.x[i], self.y[i - 1], self.y[i]
        return y0 + (y1 - y0) * (value - x0) / (x1 - x0) if x1 > x0 else y1


def fit_isotonic(confidences: Sequence[float], correct: Sequence[bool]) -> IsotonicMap:
    """Least-squares non-decreasing fit of correctness on confidence (PAV)."""
    if len(confidences) != len(correct):
        raise ValueError("confidences and outcomes differ in length")
    # equal confidences are one point (their mean outcome): a map is a function of x
    pooled: dict[float, list[float]] = {}
    for x, ok in zip(confidences, correct, strict=True):
        cell = pooled.setdefault(x, [0.0, 0.0])
        cell[0] += float(ok)
        cell[1] += 1.0
    # each block: [sum of x, sum of y, count]
    blocks: list[list[float]] = []
    for x, (hits, n) in sorted(pooled.items()):
        blocks.append([x * n, hits, n])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]:
            sx, sy, n = blocks.pop()
            blocks[-1][0] += sx
            blocks[-1][1] += sy
            blocks[-1][2] += n
    return IsotonicMap(
        x=tuple(round(sx / n, 6) for sx, _, n in blocks),
        y=tuple(round(sy / n, 6) for _, sy, n in blocks),
    )


@dataclass(frozen=True)
class VerdictCalibration:
    """Per-label maps with a fallback fitted on every label."""

    per_label: dict[str, IsotonicMap]
    fallback: IsotonicMap

    def __call__(self, label: str, confidence: float) -> float:
        return self.per_label.get(label, self.fallback)(confidence)

    @classmethod
    def fit(
        cls, labels: Sequence[str], confidences: Sequence[float], correct: Sequence[bool]
    ) -> VerdictCalibration:
        per_label = {}
        for label in sorted(set(labels)):
            idx = [i for i, lab in enumerate(labels) if lab == label]
            if len(idx) >= MIN_POINTS:
                per_label[label] = fit_isotonic(
                    [confidences[i] for i in idx], [correct[i] for i in idx]
                )
        return cls(per_label, fit_isotonic(confidences, correct))

    def to_json(self) -> str:
        def dump(m: IsotonicMap) -> dict[str, list[float]]:
            return {"x": list(m.x), "y": list(m.y)}

        return json.dumps(
            {
                "per_label": {k: dump(v) for k, v in self.per_label.items()},
                "fallback": dump(self.fallback),
            },
            indent=1,
        )

    @classmethod
    def load(cls, path: Path) -> VerdictCalibration:
        data = json.loads(path.read_text(encoding="utf-8"))

        def load_map(d: dict[str, list[float]]) -> IsotonicMap:
            if len(d["x"]) != len(d["y"]) or list(d["x"]) != sorted(d["x"]):
                raise ValueError(f"{path}: a calibration map must have sorted, paired x and y")
            return IsotonicMap(tuple(d["x"]), tuple(d["y"]))

        return cls(
            {k: load_map(v) for k, v in data["per_label"].items()}, load_map(data["fallback"])
        )
