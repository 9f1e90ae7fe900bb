"""``claimcheck factchecks import`` with several files: every file is checked first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from tests.workers.sources.factchecks.conftest import ARCHIVE_ROWS, write_jsonl
from workers.sources.factchecks.archive import FactCheckArchive


@pytest.fixture
def archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "fc.sqlite3"
    monkeypatch.setenv("CLAIMCHECK_ONNX_THREADS", "1")
    monkeypatch.setenv("CLAIMCHECK_FACTCHECK_ARCHIVE_PATH", str(path))
    return path


def test_a_bad_later_file_imports_none_of_them(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", ARCHIVE_ROWS)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"claims": [{"text": "x", "claimReview": [{"reviewDate": 5}]}]}))
    assert main(["factchecks", "import", str(good), str(bad)]) == 1
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert "'reviewDate' must be an ISO 8601 date string" in line
    assert "none of the files was imported" in line
    assert "good.jsonl" not in captured.out
    if archive.exists():
        with FactCheckArchive(archive) as opened:
            assert opened.count() == 0


def test_a_missing_later_file_imports_none_of_them(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", ARCHIVE_ROWS)
    assert main(["factchecks", "import", str(good), str(tmp_path / "nope.json")]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert "cannot read" in line and "nope.json" in line and "none of the files" in line
    assert not archive.exists()
