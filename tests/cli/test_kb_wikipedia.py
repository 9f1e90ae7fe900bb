"""``claimcheck kb import-wikipedia``: a dump in, counts and rates out, resumable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main
from tests.workers.sources.knowledge_base.wikidump import Page, dump_xml, page_xml, write_dump
from workers.sources.knowledge_base.index import KnowledgeBase

REPO_ROOT = Path(__file__).resolve().parents[2]

PAGES = [
    Page(1, "Da Nang", "'''Da Nang''' is a city in central Vietnam.<ref>x</ref>"),
    Page(2, "Danang", "#REDIRECT [[Da Nang]]", redirect="Da Nang"),
    Page(3, "Talk:Da Nang", "A question about the article.", ns=1),
    Page(
        4, "Huế", "'''Huế''' was the imperial capital of Vietnam.\n== History ==\nIt fell in 1945."
    ),
]


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
    assert "--max-page-bytes" in out and "4194304" in out


_PEAK = """
import re, sys
from cli.main import main
code = main(sys.argv[1:])
peak = re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)
print("peak-rss-kib", peak, file=sys.stderr)
sys.exit(code)
"""
"""Runs ``claimcheck`` and prints its peak resident memory (Linux: KiB). ``VmHWM`` belongs
to the process's own memory since its exec; ``ru_maxrss`` would also count the memory of
the test process it was forked from."""
HUGE_MB = 32


def _dump_with_a_huge_page(path: Path) -> Path:
    """A dump whose second page has HUGE_MB MB of wikitext, written a megabyte at a time."""
    head = dump_xml([]).removesuffix("</mediawiki>\n")
    line = "The council met on a Tuesday and talked about the harbour for hours. " * 14 + "\n"
    megabyte = line * (1_000_000 // len(line))
    with path.open("w", encoding="utf-8") as out:
        out.write(head + page_xml(PAGES[0]))
        out.write("  <page>\n    <title>Harbour minutes</title>\n    <ns>0</ns>\n    <id>7</id>\n")
        out.write('    <revision>\n      <id>700</id>\n      <text xml:space="preserve">')
        for _ in range(HUGE_MB):
            out.write(megabyte)
        out.write("</text>\n    </revision>\n  </page>\n" + page_xml(PAGES[3]) + "</mediawiki>\n")
    return path


@pytest.mark.timeout(300)
def test_a_huge_page_is_skipped_by_name_in_bounded_memory(kb_path: Path, tmp_path: Path) -> None:
    """A 32 MB page (the default limit is 4 MiB) is skipped with a warning naming it, the
    pages around it land, and the import's peak memory stays far below what holding and
    parsing the page takes (about 16 times its size: 580 MB here before the limit)."""
    dump = _dump_with_a_huge_page(tmp_path / "dump.xml")
    assert dump.stat().st_size > (HUGE_MB - 1) * 1_000_000
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, "kb", "import-wikipedia", str(dump), "--no-embeddings"],
        capture_output=True, text=True, timeout=240, cwd=REPO_ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (peak,) = [int(line.split()[1]) for line in done.stderr.splitlines() if "peak-rss-kib" in line]
    assert peak < 250 * 1024, f"peak {peak // 1024} MB"  # measured: 77 MB (1.07 GB for 62 MB)
    assert "page 7 'Harbour minutes' skipped, its text is" in done.stderr
    assert "over the limit of 4194304 (--max-page-bytes)" in done.stderr
    assert "3 pages read: 2 articles imported as 3 documents" in done.stdout
    assert "1 over --max-page-bytes" in done.stdout


def test_max_page_bytes_is_an_option(
    kb_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump = write_dump(tmp_path / "dump.xml", PAGES)
    assert main(["kb", "import-wikipedia", str(dump), "--max-page-bytes", "60"]) == 0
    assert "1 articles imported as 1 documents" in capsys.readouterr().out  # Da Nang fits
    assert main(["kb", "import-wikipedia", str(dump), "--max-page-bytes", "0"]) == 1
    assert "--max-page-bytes must be at least 1" in capsys.readouterr().err
