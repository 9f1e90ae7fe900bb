from __future__ import annotations

import random
from pathlib import Path

import pytest

from lab.verdict_eval import expected_calibration_error
from workers.verification.calibration import IsotonicMap, VerdictCalibration, fit_isotonic


def _overconfident(n: int, seed: int) -> tuple[list[float], list[bool]]:
    """Confidence c, but right only with probability c**2."""
    rng = random.Random(seed)
    conf = [rng.uniform(0.3, 1.0) for _ in range(n)]
    return conf, [rng.random() < c * c for c in conf]


def test_fit_is_monotone_and_interpolates() -> None:
    m = fit_isotonic([0.1, 0.2, 0.3, 0.4, 0.9, 0.95], [False, True, False, True, True, True])
    assert list(m.y) == sorted(m.y)
    assert m(0.0) == m.y[0] and m(1.0) == m.y[-1]
    assert m.y[0] <= m(0.5) <= m.y[-1]


def test_calibration_lowers_ece_on_held_out_data() -> None:
    fit_conf, fit_ok = _overconfident(4000, seed=1)
    test_conf, test_ok = _overconfident(4000, seed=2)
    m = fit_isotonic(fit_conf, fit_ok)
    before = expected_calibration_error(test_conf, test_ok)
    after = expected_calibration_error([m(c) for c in test_conf], test_ok)
    assert before > 0.1
    assert after < 0.03


def test_per_label_maps_fallback_and_json_round_trip(tmp_path: Path) -> None:
    conf, ok = _overconfident(300, seed=3)
    labels = ["supported"] * 200 + ["refuted"] * 90 + ["conflicting"] * 10
    calibration = VerdictCalibration.fit(labels, conf, ok)
    assert set(calibration.per_label) == {"supported", "refuted"}  # conflicting: too few
    path = tmp_path / "cal.json"
    path.write_text(calibration.to_json())
    loaded = VerdictCalibration.load(path)
    for label in ("supported", "refuted", "conflicting"):
        for c in (0.35, 0.6, 0.95):
            assert loaded(label, c) == pytest.approx(calibration(label, c))


def test_load_rejects_unsorted_maps(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"per_label": {}, "fallback": {"x": [0.9, 0.1], "y": [0.1, 0.2]}}')
    with pytest.raises(ValueError, match="sorted"):
        VerdictCalibration.load(path)


def test_empty_map_is_identity() -> None:
    assert IsotonicMap((), ())(0.42) == 0.42


def test_equal_confidences_are_pooled_into_one_point() -> None:
    from workers.verification.calibration import fit_isotonic

    fitted = fit_isotonic([0.9] * 4 + [0.5] * 2, [True, False, True, False, False, False])
    assert fitted(0.9) == pytest.approx(0.5) and fitted(0.5) == pytest.approx(0.0)
