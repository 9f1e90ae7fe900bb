"""``claimcheck calibrate``: fit the verdict-confidence calibration on the dev files.

Dev rows are split in two by a hash of their id: the maps are fitted on one half and the
expected calibration error is reported on the other, before and after. Only dev files are
read (DATA.md allows tuning on them); evaluation-only files are never touched.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from cli.evaluate import DEFAULT_DATA_DIR
from shared.settings import Settings


def _held_out(row_id: str) -> bool:
    return hashlib.sha256(row_id.encode()).digest()[0] % 2 == 1


def run_calibrate(args: argparse.Namespace, settings: Settings) -> int:
    from workers.context import CALIBRATION_FILE, build_verifier, close_verifier, stance_model_dir
    from workers.verification.calibration import VerdictCalibration
    from workers.verification.evaluation import discover, evaluate_file, expected_calibration_error

    if settings.stance_scorer != "onnx":
        print("claimcheck calibrate: only the onnx stance scorer is calibrated")
        return 2
    directory = (args.data_dir or DEFAULT_DATA_DIR) / "verification"
    if not directory.is_dir():
        print(f"claimcheck calibrate: no benchmark data at {directory}; nothing to fit")
        return 0
    work = Path("var/calibrate")
    verifier = build_verifier(settings, calibrated=False)
    rows: list[tuple[str, str, str, float]] = []  # id, gold, predicted, confidence
    try:
        for path, role in discover(directory, ["dev"]):
            evaluate_file(path, role, verifier, work, limit=args.limit)
            gold = {}
            with path.open(encoding="utf-8") as source:
                for line in source:
                    row = json.loads(line)
                    gold[str(row["id"])] = str(row["label"])
            with (work / f"{path.stem}.predictions.jsonl").open(encoding="utf-8") as preds:
                for line in preds:
                    p = json.loads(line)
                    key = f"{path.name}:{p['id']}"
                    rows.append((key, gold[str(p["id"])], p["label"], float(p["confidence"])))
            print(f"scored {path.name}", flush=True)
    finally:
        close_verifier(verifier)

    fit = [r for r in rows if not _held_out(r[0])]
    held = [r for r in rows if _held_out(r[0])]
    calibration = VerdictCalibration.fit(
        [r[2] for r in fit], [r[3] for r in fit], [r[1] == r[2] for r in fit]
    )
    correct = [r[1] == r[2] for r in held]
    before = expected_calibration_error([r[3] for r in held], correct)
    after = expected_calibration_error([calibration(r[2], r[3]) for r in held], correct)
    target = stance_model_dir(settings) / CALIBRATION_FILE
    target.write_text(calibration.to_json() + "\n", encoding="utf-8")
    print(
        f"fitted on {len(fit)} dev verdicts; held-out {len(held)}: "
        f"ECE {before:.3f} before, {after:.3f} after -> {target}"
    )
    return 0
