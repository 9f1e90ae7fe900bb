from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import build_parser, main

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_every_documented_command_parses() -> None:
    parser = build_parser()
    for argv in (
        ["serve", "--port", "9000"],
        ["worker", "--concurrency", "2"],
        ["kb", "import", "--starter"],
        ["submit", "article.txt", "--wait", "--json"],
        ["watch", "--group", "g"],
        ["verify-batch", "--input", "a", "--output", "b"],
        ["eval", "--split", "dev"],
        ["eval-open", "--split", "eval", "--limit", "50", "--files", "a.test.jsonl"],
        ["eval-open", "--no-compare", "--cache-dir", "c"],
        ["demo"],
        ["requeue", "--older-than", "60"],
        ["bench", "--claims", "10"],
        ["extract", "article.txt", "--json", "--published-at", "2017-11-11"],
        ["extract", "--bench", "--words", "500"],
        ["checkworthiness", "--input", "a", "--output", "b"],
        ["eval-checkworthiness", "--data-dir", "d"],
        ["keys", "add", "daily-planet", "--json"],
        ["keys", "list"],
        ["keys", "revoke", "key_0123"],
    ):
        assert parser.parse_args(argv).handler is not None


def test_invalid_setting_exits_2_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLAIMCHECK_EVIDENCE_TOP_K", "many")
    assert main(["kb", "import", "--starter"]) == 2
    assert "CLAIMCHECK_EVIDENCE_TOP_K" in capsys.readouterr().err


def test_eval_without_data_says_so_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", "--data-dir", str(tmp_path / "absent")]) == 0
    assert "no benchmark data" in capsys.readouterr().out


def test_eval_open_without_data_says_so_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval-open", "--data-dir", str(tmp_path / "absent")]) == 0
    assert "claimcheck eval-open: no benchmark data" in capsys.readouterr().out
    assert not (tmp_path / "absent").exists()


def test_eval_open_command_prints_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLAIMCHECK_STANCE_SCORER", "lexical")
    directory = tmp_path / "data" / "verification"
    directory.mkdir(parents=True)
    rows = [
        {
            "id": f"t{i}",
            "claim": claim,
            "evidence": [evidence],
            "label": "supported",
        }
        for i, (claim, evidence) in enumerate(
            [
                ("Water boils at 100 degrees Celsius.", "Water boils at 100 degrees Celsius."),
                ("The Nile flows into the Mediterranean.", "The Nile ends in the Mediterranean."),
            ]
        )
    ]
    (directory / "toy.test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (directory / "toy.train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    output = tmp_path / "out" / "open.json"
    argv = ["eval-open", "--data-dir", str(tmp_path / "data"), "--output", str(output)]
    assert main([*argv, "--cache-dir", str(tmp_path / "cache"), "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "| toy.test.jsonl | eval | 1 | 2 |" in out  # one claim, both evidence strings
    assert "toy.test.jsonl (open): decided precision ≥ 0.90:" in out
    report = json.loads(output.read_text())
    assert [f["file"] for f in report["files"]] == ["toy.test.jsonl"]  # never a train file
    assert report["files"][0]["given"]["rows"] == 1


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
