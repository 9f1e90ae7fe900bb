"""``claimcheck verify-batch`` as a process: rows in, verdicts out, bad rows named."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

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


def _verify_batch(
    tmp_path: Path, source: Path, output: Path, **popen: Any
) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "cli", "verify-batch", "--input", str(source)]
    return subprocess.Popen(
        [*argv, "--output", str(output), "--no-progress"],
        text=True,
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(REPO_ROOT),
            "CLAIMCHECK_STANCE_SCORER": "lexical",
        },
        **popen,
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"id": 2, "claim": "caf\xe9 au lait"}\n', "in.jsonl:2: not UTF-8 text"),
        (b'{"id": 2, "claim": "Da Nang \\ud800 Vietnam."}\n', "in.jsonl:2: "),
        (
            b'{"id": 2, "claim": "x", "evidence": ' + b"[" * 2000 + b"]" * 2000 + b"}\n",
            "in.jsonl:2: nested deeper",
        ),
    ],
)
def test_unreadable_rows_are_one_line_naming_the_line(
    tmp_path: Path, raw: bytes, message: str
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"id": 1, "claim": "Water is wet."}\n' + raw)
    output = tmp_path / "o.jsonl"
    with _verify_batch(
        tmp_path, source, output, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert "Traceback" not in err
    line = err.splitlines()[-1]  # after the empty knowledge base's warning
    assert line.startswith("claimcheck: ") and message in line
    assert not output.exists() and not list(tmp_path.glob(".*.partial"))


def test_sigterm_stops_verify_batch_and_leaves_no_partial_output(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    row = {"claim": "Water boils at 100 degrees Celsius.", "evidence": ["Water boils."] * 10}
    source.write_text("".join(json.dumps({"id": i, **row}) + "\n" for i in range(20_000)))
    output = tmp_path / "out.jsonl"
    partial = tmp_path / ".out.jsonl.partial"
    with _verify_batch(tmp_path, source, output, stderr=subprocess.DEVNULL) as proc:
        try:
            deadline = time.monotonic() + 90
            while not partial.exists() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert partial.exists(), "verify-batch never started writing"
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 128 + signal.SIGTERM
        finally:
            if proc.poll() is None:
                proc.kill()
    assert not partial.exists() and not output.exists()
