"""``claimcheck-lab eval-matching`` without its data (with data: the test of
:mod:`lab.matching_metrics`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.main import main


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory of its own: ``var/`` (caches, reports) would land here."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_eval_matching_without_data_says_so(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval-matching", "--data-dir", str(workdir / "nothing")]) == 0
    assert "no ct20-snopes data" in capsys.readouterr().out
