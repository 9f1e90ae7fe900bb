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
    assert "claimcheck-lab eval-open: no benchmark data" in capsys.readouterr().out
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


def test_files_are_named_with_or_without_jsonl_and_a_missing_one_is_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    from lab.evaluate import _files

    directory = tmp_path / "verification"
    directory.mkdir()
    for name in ("fever-symmetric.test.jsonl", "toy.dev.jsonl"):
        (directory / name).write_text("")

    def chosen(*names: str, split: str = "all") -> list[str]:
        args = argparse.Namespace(data_dir=tmp_path, split=split, files=list(names))
        return [p.name for p, _ in _files(args, "eval") or []]

    assert chosen("fever-symmetric.test") == ["fever-symmetric.test.jsonl"]
    assert chosen("fever-symmetric.test.jsonl", "toy.dev") == [
        "fever-symmetric.test.jsonl",
        "toy.dev.jsonl",
    ]
    assert capsys.readouterr().err == ""
    assert chosen("fever-symmetric.test", "fever-symetric.dev") == ["fever-symmetric.test.jsonl"]
    (line,) = capsys.readouterr().err.splitlines()
    assert "no file fever-symetric.dev.jsonl in" in line and "(all split)" in line
    assert chosen("toy.dev", split="eval") == []
    assert "no file toy.dev.jsonl in" in capsys.readouterr().err
