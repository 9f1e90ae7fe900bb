"""``claimcheck kb import-wikipedia``: a dump in, counts and rates out, resumable."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from tests.workers.sources.wikidump import Page, write_dump
from workers.sources.knowledge_base import KnowledgeBase

PAGES = [
    Page(1, "Da Nang", "'''Da Nang''' is a city in central Vietnam.<ref>x</ref>"),
    Page(2, "Danang", "#REDIRECT [[Da Nang]]", redirect="Da Nang"),
    Page(3, "Talk:Da Nang", "A question about the article.", ns=1),
    Page(
        4, "Huế", "'''Huế''' was the imperial capital of Vietnam.\n== History ==\nIt fell in 1945."
    ),
]


@pytest.fixture
def kb_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "kb.sqlite3"
    monkeypatch.setenv("CLAIMCHECK_KB_PATH", str(path))
    monkeypatch.setenv("CLAIMCHECK_STANCE_SCORER", "lexical")  # no embedding model to load
    monkeypatch.setenv("CLAIMCHECK_SOURCES", '["knowledge_base"]')
    return path


def test_a_dump_imports_and_a_second_run_resumes_past_it(
    kb_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump = write_dump(tmp_path / "enwiki-pages-articles.xml.bz2", PAGES)
    assert main(["kb", "import-wikipedia", str(dump), "--batch-pages", "2"]) == 0
    out = capsys.readouterr().out
    assert f"{dump}: 4 pages read: 2 articles imported as 3 documents" in out
    assert "1 redirects" in out and "1 pages of other namespaces" in out
    assert "documents/s" in out and "sentences/s" in out
    assert "knowledge base now holds 3 documents, 3 sentences" in out
    with KnowledgeBase(kb_path) as kb:
        hue = kb.get("enwiki:4#History")
    assert hue is not None and hue.title == "Huế — History" and hue.text == "It fell in 1945."
    assert hue.url == "https://en.wikipedia.org/wiki/Hu%E1%BA%BF#History"
    assert main(["kb", "import-wikipedia", str(dump), "--no-embeddings"]) == 0
    out = capsys.readouterr().out
    assert "0 pages read (resumed: 4 pages already imported)" in out
    assert "now holds 3 documents" in out


def test_a_missing_dump_is_one_error_line(
    kb_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["kb", "import-wikipedia", str(tmp_path / "nope.xml.bz2")]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert "nope.xml.bz2 is not a file" in line


def test_a_dump_that_is_not_xml_is_one_error_line(
    kb_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump = tmp_path / "notes.xml"
    dump.write_text("just some notes, no markup\n", encoding="utf-8")
    assert main(["kb", "import-wikipedia", str(dump)]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert "notes.xml: the XML breaks at line 1" in line


def test_the_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["kb", "import-wikipedia", "--help"])
    out = capsys.readouterr().out
    assert "pages-articles" in out and "resumes" in out and "--no-embeddings" in out
