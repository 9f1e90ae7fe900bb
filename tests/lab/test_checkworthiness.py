"""``claimcheck-lab checkworthiness`` and ``eval-checkworthiness`` on tiny files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from lab.checkworthiness import average_precision, binary_metrics, role_of
from lab.main import main

WORTHY = "Unemployment has fallen by 40 percent since I took office in 2009."
NOT_WORTHY = "Thank you all so much for being here tonight."


def write_jsonl(path: Path, rows: Sequence[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_scores_rows_in_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{"id": i, "text": WORTHY if i % 2 else NOT_WORTHY} for i in range(150)]
    src = write_jsonl(tmp_path / "in.jsonl", [*rows[:75], *rows[75:]])
    src.write_text(src.read_text() + "\n\n")  # blank lines are skipped
    out = tmp_path / "out" / "scores.jsonl"
    assert main(["checkworthiness", "--input", str(src), "--output", str(out)]) == 0
    got = [json.loads(line) for line in out.read_text().splitlines()]
    assert [g["id"] for g in got] == list(range(150))
    assert set(got[0]) == {"id", "score", "checkworthy"}
    assert all(g["checkworthy"] is bool(g["id"] % 2) for g in got)
    assert all(0.0 <= g["score"] <= 1.0 for g in got)
    err = capsys.readouterr().err
    assert "150 sentences scored, 75 check-worthy" in err
    assert "\r" not in err  # no progress bar when stderr is not a terminal


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "expected a JSON object"),
        ('{"text": "No id here."}', "'id' must be"),
        ('{"id": 3, "text": "  "}', "'text' must be a non-empty string"),
    ],
)
def test_bad_row_names_the_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, message: str
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": WORTHY}) + "\n" + line + "\n")
    out = tmp_path / "out.jsonl"
    assert main(["checkworthiness", "--input", str(src), "--output", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{src}:2: " in err and message in err
    assert not out.exists() and not list(tmp_path.glob(".*partial"))


def test_missing_input_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.jsonl"
    assert main(["checkworthiness", "--input", str(missing), "--output", "x"]) == 1
    assert f"cannot read {missing}" in capsys.readouterr().err


def test_eval_on_tiny_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data" / "checkworthiness"
    data.mkdir(parents=True)
    rows = [
        {"id": "1", "text": WORTHY, "checkworthy": True},
        {"id": "2", "text": NOT_WORTHY, "checkworthy": False},
        {"id": "3", "text": "Good evening, everyone.", "checkworthy": False},
        {"id": "4", "text": "We spent $2 trillion on the war in Iraq.", "checkworthy": True},
    ]
    for name in ("ct19.test", "ct24-en.devtest", "ct24-en.dev"):
        write_jsonl(data / f"{name}.jsonl", rows)
    write_jsonl(data / "ct24-en.train.jsonl", [{"id": "x", "text": "train", "checkworthy": 1}])
    report_path = tmp_path / "report.json"
    argv = ["eval-checkworthiness", "--data-dir", str(tmp_path / "data")]
    assert main([*argv, "--output", str(report_path)]) == 0
    report = json.loads(report_path.read_text())
    assert set(report["files"]) == {"ct19.test", "ct24-en.devtest", "ct24-en.dev"}  # no train
    roles = {name: m["role"] for name, m in report["files"].items()}
    assert roles == {"ct19.test": "eval", "ct24-en.devtest": "held-out", "ct24-en.dev": "dev"}
    test = report["files"]["ct19.test"]
    assert (test["precision"], test["recall"], test["f1"], test["average_precision"]) == (
        1.0, 1.0, 1.0, 1.0,
    )  # fmt: skip
    assert test["n"] == 4 and test["positives"] == 2 and report["sentences_per_s"] > 0
    out = capsys.readouterr().out
    assert "ct19.test" in out and "held-out" in out and "sentences/s" in out


def test_eval_without_data_says_so_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval-checkworthiness", "--data-dir", str(tmp_path / "none")]) == 0
    assert "no data at" in capsys.readouterr().out


def test_metrics() -> None:
    scores, labels = [0.9, 0.8, 0.3, 0.2], [True, False, True, False]
    m = binary_metrics(scores, labels, 0.5)
    assert (m["precision"], m["recall"], m["f1"]) == (0.5, 0.5, 0.5)
    assert average_precision(scores, labels) == pytest.approx((1 / 1 + 2 / 3) / 2)
    assert average_precision([0.1], [False]) == 0.0
    assert [role_of(n) for n in ("ct19.test", "ct24-en.devtest", "ct20-tweets.dev", "x.train")] == [
        "eval", "held-out", "dev", None,
    ]  # fmt: skip


EVENT = (
    "The presidents of the United States and Russia held a brief meeting in Da Nang "
    "on Saturday morning."
)


@pytest.mark.parametrize(
    ("flags", "kept"), [(["--pipeline"], True), (["--pipeline", "--no-rules"], False)]
)
def test_eval_pipeline_scores_with_the_whole_extractor(
    tmp_path: Path, flags: list[str], kept: bool
) -> None:
    data = tmp_path / "data" / "checkworthiness"
    data.mkdir(parents=True)
    rows = [
        {"id": "1", "text": EVENT, "checkworthy": True},  # the model alone scores it ~0.2
        {"id": "2", "text": "Is the economy better off than 4 years ago?", "checkworthy": False},
    ]
    write_jsonl(data / "ct24-en.dev.jsonl", rows)
    report_path = tmp_path / "report.json"
    argv = ["eval-checkworthiness", "--data-dir", str(tmp_path / "data"), *flags]
    assert main([*argv, "--output", str(report_path)]) == 0
    report = json.loads(report_path.read_text())
    assert report["scorer"] == ("pipeline+rules" if kept else "pipeline")
    dev = report["files"]["ct24-en.dev"]
    assert dev["recall"] == (1.0 if kept else 0.0)
    assert dev["precision"] == (1.0 if kept else 0.0)
