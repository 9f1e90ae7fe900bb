"""A dump page whose wikitext is over ``max_page_bytes`` is skipped with a warning naming it,
its text never kept whole, and the good pages of its batch still land."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.workers.sources.knowledge_base.wikidump import Page, write_dump
from workers.sources.knowledge_base.index import KnowledgeBase
from workers.sources.knowledge_base.wikipedia_dump import import_dump
from workers.sources.knowledge_base.wikipedia_xml import (
    MAX_PAGE_BYTES,
    _PageTarget,
    open_dump,
    read_pages,
)

HUGE = "The council met on a Tuesday and talked about the harbour for hours. " * 40  # 2.8 kB
PAGES = [
    Page(1, "Da Nang", "'''Da Nang''' is a city in central Vietnam."),
    Page(2, "Harbour minutes", HUGE),
    Page(3, "Huế", "'''Huế''' was the imperial capital of Vietnam."),
]


def test_an_oversize_page_is_skipped_by_name_and_its_batch_lands(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    dump = write_dump(tmp_path / "dump.xml.bz2", PAGES)
    with caplog.at_level(logging.WARNING), KnowledgeBase(tmp_path / "kb.sqlite3") as kb:
        stats = import_dump(kb, dump, batch_pages=10, max_page_bytes=1000)
        landed = [doc_id for doc_id in ("enwiki:1", "enwiki:2", "enwiki:3") if kb.get(doc_id)]
    assert landed == ["enwiki:1", "enwiki:3"]
    assert (stats.pages, stats.articles, stats.oversize, stats.malformed) == (3, 2, 1, 0)
    assert "1 over --max-page-bytes" in str(stats)
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "page 2 'Harbour minutes' skipped" in warning
    assert f"its text is {len(HUGE)} bytes, over the limit of 1000" in warning


def test_a_page_at_the_limit_is_read_whole(tmp_path: Path) -> None:
    dump = write_dump(tmp_path / "dump.xml", PAGES)
    size = len(HUGE.encode("utf-8"))
    with open_dump(dump) as (xml, _):
        at = [p.text for p in read_pages(xml, max_page_bytes=size) if p.id == 2]
    with open_dump(dump) as (xml, _):
        over = [(p.text, p.oversize) for p in read_pages(xml, max_page_bytes=size - 1) if p.id == 2]
    assert at == [HUGE]
    assert over == [(None, f"its text is {size} bytes, over the limit of {size - 1}")]


def test_a_page_fed_in_many_pieces_is_counted_whole_and_kept_not_at_all() -> None:
    """A 2 MB page fed 1 kB at a time: its size is counted to the end, its text not kept."""
    target = _PageTarget(max_bytes=10_000)
    parser = ET.XMLParser(target=target)
    parser.feed(b"<mediawiki><page><title>Big</title><ns>0</ns><id>9</id><revision><text>")
    for _ in range(2_000):
        parser.feed(b"x" * 1_000)
    parser.feed(b"</text></revision></page></mediawiki>")
    parser.close()
    (page,) = list(target.pages())
    assert page.text is None and page.oversize is not None and "2000000 bytes" in page.oversize


def test_the_default_limit_is_twice_mediawikis_page_size() -> None:
    assert MAX_PAGE_BYTES == 2 * 2048 * 1024
