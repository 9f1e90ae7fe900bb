"""``claimcheck kb import``: several files all or nothing, bad input named by its line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from workers.sources.knowledge_base.index import KnowledgeBase

DOCS = [
    {"id": "apec", "title": "APEC 2017", "text": "The 2017 APEC summit was held in Da Nang."},
    {"id": "hue", "title": "Hue", "text": "Hue was the imperial capital of Vietnam."},
]


def _write(path: Path, rows: list[dict[str, str]], extra: bytes = b"") -> Path:
    path.write_bytes(b"".join(json.dumps(r).encode() + b"\n" for r in rows) + extra)
    return path


def _documents(path: Path) -> int:
    with KnowledgeBase(path) as kb:
        return kb.count()


def test_several_files_import_together(
    kb_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _write(tmp_path / "a.jsonl", DOCS[:1])
    second = _write(tmp_path / "b.jsonl", DOCS[1:])
    assert main(["kb", "import", str(first), str(second)]) == 0
    out = capsys.readouterr().out
    assert f"{first}: 1 documents read" in out and f"{second}: 1 documents read" in out
    assert "now holds 2 documents" in out
    assert _documents(kb_path) == 2


def test_a_bad_later_file_imports_none_of_them(
    kb_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _write(tmp_path / "good.jsonl", DOCS)
    bad = _write(tmp_path / "bad.jsonl", DOCS[:1], b'{"id": "x", "title": "no text"}\n')
    assert main(["kb", "import", str(good), str(bad)]) == 1
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert f"{bad}:2:" in line and "none of the files was imported" in line
    assert "unchanged" in line and "now holds" not in captured.out
    assert _documents(kb_path) == 0


def test_a_missing_later_file_imports_none_of_them(
    kb_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _write(tmp_path / "good.jsonl", DOCS)
    assert main(["kb", "import", str(good), str(tmp_path / "nope.jsonl")]) == 1
    err = capsys.readouterr().err
    assert "cannot read" in err and "nope.jsonl" in err and "none of the files" in err
    assert _documents(kb_path) == 0


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"id": "a", "title": "t", "text": "caf\xe9"}\n', "not UTF-8 text"),
        (b'{"id": "a", "title": "t", "text": "Da Nang \\ud800 Vietnam."}\n', "surrogate"),
        (b"[" * 2000 + b"]" * 2000 + b"\n", "nested deeper than"),
    ],
)
def test_unreadable_input_is_one_line_naming_the_line(
    kb_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    raw: bytes,
    message: str,
) -> None:
    source = _write(tmp_path / "in.jsonl", DOCS[:1], raw)
    assert main(["kb", "import", str(source)]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert f"{source}:2" in line and message in line and "Traceback" not in line
    assert _documents(kb_path) == 0
