"""A MediaWiki dump into the knowledge base: what lands, what is skipped, and resuming."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from shared.errors import InputError
from tests.workers.sources.knowledge_base.wikidump import Page, dump_xml, write_dump
from workers.sources.knowledge_base.documents import Document
from workers.sources.knowledge_base.index import KnowledgeBase
from workers.sources.knowledge_base.wikipedia_dump import import_dump, import_pages, resume_key
from workers.sources.knowledge_base.wikipedia_xml import DumpPage, open_dump, read_pages

DA_NANG = """{{Short description|City in Vietnam}}
{{Infobox settlement
| name = Da Nang
| population = 1,220,190
}}
'''Da Nang''' ({{lang-vi|Đà Nẵng}}) is a [[city]] in [[Central Vietnam|central Vietnam]] \
on the coast of the [[South China Sea]].<ref>{{cite web|url=http://example.org|title=Cite}}</ref> \
It is the largest city in the region.<ref name="gso" />
[[File:Da Nang skyline.jpg|thumb|The [[skyline]] at night]]

== History ==
The area was part of the [[Champa]] kingdom for centuries. <!-- hidden note -->
{| class="wikitable"
! Year !! Population
|-
| 2019 || 1,134,310
|}

=== French era ===
The French called the city ''Tourane'' after 1858. It became a concession in 1888.

== Economy ==
* Tourism brings many visitors to the beaches.
* The port handles container traffic for the region.

== References ==
{{Reflist}}
<references />

=== Sources ===
* A list of books about the city here.

== External links ==
* [https://danang.gov.vn Official website]

[[Category:Cities in Vietnam]]
[[fr:Đà Nẵng]]
"""

HUE = """'''Huế''' is a city in central Vietnam and was the imperial capital until 1945.

== Lịch sử ==
The Nguyễn dynasty built the citadel in the early nineteenth century.
"""

PAGES = [
    Page(10, "Da Nang", DA_NANG),
    Page(
        11, "Danang", "#REDIRECT [[Da Nang]]\n{{R from alternative spelling}}", redirect="Da Nang"
    ),
    Page(12, "Mercury", "'''Mercury''' may refer to:\n* [[Mercury (planet)]]\n{{Disambiguation}}"),
    Page(13, "Talk:Da Nang", "Is the population figure up to date? ~~~~", ns=1),
    Page(14, "Template:Infobox settlement", "{{{name}}} is a city.", ns=10),
    Page(15, "Huế", HUE),
    Page(16, "Broken page", None),
    Page(17, "Unclosed", "{{Infobox person\n| name = Nobody\nThe text after it is garbage."),
    Page(18, "Hoi An", "'''Hội An''' is an ancient town in [[Quảng Nam province]].{{Coord|15}}"),
    Page(19, "Nguyen (surname)", "'''Nguyen''' is a Vietnamese surname.\n{{set index article}}"),
    Page(20, "Cat page", "Text of a category.", ns=14),
]

EXPECTED = {
    "enwiki:10": (
        "Da Nang",
        "Da Nang is a city in central Vietnam on the coast of the South China Sea. "
        "It is the largest city in the region.",
        "https://en.wikipedia.org/wiki/Da_Nang",
    ),
    "enwiki:10#History": (
        "Da Nang — History",
        "The area was part of the Champa kingdom for centuries.",
        "https://en.wikipedia.org/wiki/Da_Nang#History",
    ),
    "enwiki:10#French_era": (
        "Da Nang — History — French era",
        "The French called the city Tourane after 1858. It became a concession in 1888.",
        "https://en.wikipedia.org/wiki/Da_Nang#French_era",
    ),
    "enwiki:10#Economy": (
        "Da Nang — Economy",
        "Tourism brings many visitors to the beaches.\n\n"
        "The port handles container traffic for the region.",
        "https://en.wikipedia.org/wiki/Da_Nang#Economy",
    ),
    "enwiki:15": (
        "Huế",
        "Huế is a city in central Vietnam and was the imperial capital until 1945.",
        "https://en.wikipedia.org/wiki/Hu%E1%BA%BF",
    ),
    "enwiki:15#Lịch_sử": (
        "Huế — Lịch sử",
        "The Nguyễn dynasty built the citadel in the early nineteenth century.",
        "https://en.wikipedia.org/wiki/Hu%E1%BA%BF#L%E1%BB%8Bch_s%E1%BB%AD",
    ),
    "enwiki:18": (
        "Hoi An",
        "Hội An is an ancient town in Quảng Nam province.",
        "https://en.wikipedia.org/wiki/Hoi_An",
    ),
}


def _landed(path: Path) -> dict[str, tuple[str, str, str | None]]:
    with KnowledgeBase(path) as kb:
        rows = kb._conn.execute("SELECT id, title, text, url FROM documents").fetchall()
    return {doc_id: (title, text, url) for doc_id, title, text, url in rows}


@pytest.mark.parametrize("name", ["dump.xml.bz2", "dump.xml"])
def test_articles_land_as_clean_sections_and_the_rest_is_skipped(
    tmp_path: Path, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    dump = write_dump(tmp_path / name, PAGES)
    kb_path = tmp_path / "kb.sqlite3"
    with caplog.at_level(logging.WARNING), KnowledgeBase(kb_path) as kb:
        stats = import_dump(kb, dump, batch_pages=3)
    assert _landed(kb_path) == EXPECTED
    assert (stats.pages, stats.articles, stats.documents) == (11, 3, 7)
    assert (stats.redirects, stats.disambiguation, stats.other_namespace) == (1, 2, 3)
    assert stats.malformed == 2 and stats.resumed == 0
    assert stats.sentences == 10 and stats.embedded == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "16 'Broken page' skipped" in warnings[0] and "no <text>" in warnings[0]
    assert "17 'Unclosed' skipped" in warnings[1] and "'{{' in '{{Infobox person" in warnings[1]
    assert all(str(dump) in w for w in warnings)
    text = str(stats)
    assert "3 articles imported as 7 documents" in text and "sentences/s" in text


def test_any_mediawiki_gets_its_own_urls_and_ids(tmp_path: Path) -> None:
    dump = write_dump(
        tmp_path / "wiki.xml",
        [Page(3, "Release notes/2.0 (beta)", "Version 2.0 adds a faster search index.")],
        base="https://wiki.example.org/index.php?title=Main_Page",
        dbname="examplewiki",
    )
    kb_path = tmp_path / "kb.sqlite3"
    with KnowledgeBase(kb_path) as kb:
        import_dump(kb, dump)
    assert _landed(kb_path) == {
        "examplewiki:3": (
            "Release notes/2.0 (beta)",
            "Version 2.0 adds a faster search index.",
            "https://wiki.example.org/index.php?title=Release_notes/2.0_(beta)",
        )
    }


def test_a_local_file_namespace_name_is_dropped_like_file(tmp_path: Path) -> None:
    xml = dump_xml([Page(1, "Hà Nội", "[[Tập tin:Map.png|thumb|Bản đồ]]Hà Nội is the capital.")])
    dump = tmp_path / "vi.xml"
    dump.write_text(xml.replace(">File<", ">Tập tin<"), encoding="utf-8")
    kb_path = tmp_path / "kb.sqlite3"
    with KnowledgeBase(kb_path) as kb:
        import_dump(kb, dump)
    assert _landed(kb_path)["enwiki:1"][1] == "Hà Nội is the capital."


def _crash_after(pages: Iterable[DumpPage], count: int) -> Iterator[DumpPage]:
    for n, page in enumerate(pages):
        if n == count:
            raise RuntimeError("the importer was killed")
        yield page


def test_a_crashed_import_resumes_after_its_last_committed_batch(tmp_path: Path) -> None:
    dump = write_dump(tmp_path / "dump.xml.bz2", PAGES)
    fresh = tmp_path / "fresh.sqlite3"
    with KnowledgeBase(fresh) as kb:
        import_dump(kb, dump, batch_pages=4)
        fresh_sentences = kb.sentence_count()
    kb_path = tmp_path / "kb.sqlite3"
    key = resume_key(dump)
    with KnowledgeBase(kb_path) as kb, open_dump(dump) as (xml, _):
        with pytest.raises(RuntimeError, match="killed"):
            import_pages(kb, _crash_after(read_pages(xml), 6), key=key, batch_pages=4)
        assert kb.meta(key) == 13  # the first batch (pages 10 to 13) committed, no more
        assert set(_landed(kb_path)) == {i for i in EXPECTED if i.startswith("enwiki:10")}
    with KnowledgeBase(kb_path) as kb:
        again = import_dump(kb, dump, batch_pages=4)
        assert (again.resumed, again.pages, again.articles) == (4, 7, 2)
        assert kb.meta(key) == 20 and kb.sentence_count() == fresh_sentences
    assert _landed(kb_path) == _landed(fresh) == EXPECTED
    with KnowledgeBase(kb_path) as kb:
        done = import_dump(kb, dump, batch_pages=4)
    assert (done.resumed, done.pages, done.documents) == (11, 0, 0)


def test_a_changed_dump_file_is_imported_from_its_start(tmp_path: Path) -> None:
    dump = write_dump(tmp_path / "dump.xml", PAGES[:1])
    kb_path = tmp_path / "kb.sqlite3"
    with KnowledgeBase(kb_path) as kb:
        import_dump(kb, dump)
        write_dump(dump, [*PAGES[:1], PAGES[5]])  # a newer dump under the same name
        newer = import_dump(kb, dump)
    assert (newer.resumed, newer.pages, newer.articles) == (0, 2, 2)


def test_broken_xml_keeps_the_pages_before_it_and_names_the_place(tmp_path: Path) -> None:
    xml = dump_xml(PAGES[:1] + PAGES[5:6])
    dump = tmp_path / "cut.xml"
    dump.write_text(xml[: xml.index("<title>Huế")] + "<title>Huế</ti", encoding="utf-8")
    kb_path = tmp_path / "kb.sqlite3"
    with KnowledgeBase(kb_path) as kb, pytest.raises(InputError, match=r"cut.xml: the XML breaks"):
        import_dump(kb, dump, batch_pages=100)
    assert sorted(_landed(kb_path)) == sorted(i for i in EXPECTED if i.startswith("enwiki:10"))


def test_a_truncated_bz2_file_is_an_input_error(tmp_path: Path) -> None:
    dump = write_dump(tmp_path / "dump.xml.bz2", PAGES)
    dump.write_bytes(dump.read_bytes()[:-40])
    with KnowledgeBase(tmp_path / "kb.sqlite3") as kb, pytest.raises(InputError, match="dump"):
        import_dump(kb, dump)


class _HashEmbedder:
    """A deterministic stand-in model: a vector from each text's hash, counting calls."""

    model_id = "hash-test"
    dimension = 8

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.embedded += texts
        rows = [np.random.default_rng(abs(hash(t))).normal(size=8) for t in texts]
        matrix = np.asarray(rows, dtype=np.float32).reshape(len(texts), 8)
        unit: npt.NDArray[np.float32] = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
        return unit


def test_each_batch_embeds_its_own_new_sentences_once(tmp_path: Path) -> None:
    embedder = _HashEmbedder()
    with KnowledgeBase(tmp_path / "kb.sqlite3", embedder=embedder) as kb:
        first = kb.import_batch([Document("a", "A", "Alpha is first. Beta is second.")], {"m": 1})
        second = kb.import_batch([Document("b", "B", "Gamma is the third one.")], {"m": 2})
        again = kb.import_batch([Document("a", "A", "Alpha is first. Beta is second.")], {"m": 3})
        assert (first.embedded, second.embedded, again.embedded) == (2, 1, 0)
        assert embedder.embedded == [
            "Alpha is first.",
            "Beta is second.",
            "Gamma is the third one.",
        ]
        assert kb.meta("m") == 3 and kb.meta("unset") is None


def test_a_failing_batch_leaves_no_documents_and_no_marker(tmp_path: Path) -> None:
    class _Failing(_HashEmbedder):
        def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
            raise OSError("model gone")

    with KnowledgeBase(tmp_path / "kb.sqlite3", embedder=_Failing()) as kb:
        with pytest.raises(OSError, match="model gone"):
            kb.import_batch([Document("a", "A", "Alpha is the first letter.")], {"m": 1})
        assert kb.count() == 0 and kb.meta("m") is None


@pytest.mark.parametrize("raw", ["²", "١٢", "-3", "12a"])
def test_a_page_whose_id_is_not_a_plain_number_is_skipped_and_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, raw: str
) -> None:
    """``<id>²</id>`` is a digit to Python's ``str.isdigit`` but no number to ``int``: the
    page is skipped with a warning naming it, and the batch's good pages still land."""
    dump = write_dump(
        tmp_path / "dump.xml",
        [Page(21, "Odd id", "'''Odd''' is a page about nothing."), PAGES[8]],
    )
    dump.write_text(
        dump.read_text(encoding="utf-8").replace("<id>21</id>", f"<id>{raw}</id>"),
        encoding="utf-8",
    )
    kb_path = tmp_path / "kb.sqlite3"
    with caplog.at_level(logging.WARNING), KnowledgeBase(kb_path) as kb:
        stats = import_dump(kb, dump, batch_pages=3)
    assert set(_landed(kb_path)) == {"enwiki:18"}
    assert stats.malformed == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "'Odd id' skipped" in warnings[0]
    assert "no numeric <id>" in warnings[0]
