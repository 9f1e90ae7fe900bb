"""``claimcheck-lab eval`` and ``eval-open`` on absent data and on a tiny data folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lab.main import main


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
