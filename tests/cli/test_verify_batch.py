"""``claimcheck verify-batch`` as a process: rows in, verdicts out, bad rows named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_verify_batch_command_streams_rows(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps(
            {
                "id": 1,
                "claim": "Water boils at 100 degrees Celsius at sea level.",
                "evidence": ["At sea level, water boils at 100 degrees Celsius."],
            }
        )
        + "\n"
        + json.dumps({"id": 2, "claim": "Cats can fly.", "evidence": ["Bread contains flour."]})
        + "\n"
    )
    out = tmp_path / "out.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "cli", "verify-batch", "--input", str(source), "--output", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == [1, 2]
    assert rows[0]["label"] == "supported"
    assert rows[1]["label"] == "not_enough_info"
    assert all(isinstance(r["needs_review"], bool) and "evidence" in r for r in rows)
    assert [r["claim_id"] for r in rows] == ["1", "2"]


def test_verify_batch_bad_row_names_the_line(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "claim": "ok"}\n{"id": 2}\n')
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli",
            "verify-batch",
            "--input",
            str(source),
            "--output",
            str(tmp_path / "o.jsonl"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT)},
        timeout=120,
    )
    assert result.returncode == 1
    assert "in.jsonl:2" in result.stderr and "claim" in result.stderr
    assert not (tmp_path / "o.jsonl").exists()
