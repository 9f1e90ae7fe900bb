"""A MediaWiki XML dump (``pages-articles``, plain or ``.bz2``) into the knowledge base.

The dump is streamed page by page in bounded memory
(:mod:`workers.sources.knowledge_base.wikipedia_xml`); a page whose wikitext is over
``max_page_bytes`` (default :data:`~workers.sources.knowledge_base.wikipedia_xml.MAX_PAGE_BYTES`)
is skipped with a warning naming it,
its text never held whole (nor parsed, which takes many times its size). Only articles
are kept: main-namespace pages that are not redirects and not disambiguation or set index
pages (:mod:`workers.sources.knowledge_base.wikitext` says what is left out of their text).

Each article becomes one knowledge-base document per section: the lead is
``<dbname>:<page id>`` titled with the article's title; a section is
``<dbname>:<page id>#<anchor>`` titled ``Article — Section — Subsection``, its URL the
article's with the heading's fragment. The section path in the title is the context that
BM25 (which weighs titles double) and every hit carry; a section is also what a reader
checks a sentence against, and a long article's sentences do not all become candidates
when one of its words matches. URLs are built from the dump's ``<siteinfo><base>``, so any
MediaWiki works.

Pages go in batches (:data:`BATCH_PAGES` pages, never split across batches), each its own
transaction that also records the id of its last page in ``kb_meta`` under a key naming
the dump's path and size: an import that stopped (a crash, Ctrl-C, a full disk) and is run
again skips the pages already committed and imports the rest, without duplicates. A page
whose XML or wikitext is broken is skipped with a warning naming it.
"""

from __future__ import annotations

import logging
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mwparserfromhell.parser import ParserError

from shared.errors import InputError
from workers.sources.knowledge_base.documents import Document
from workers.sources.knowledge_base.index import KnowledgeBase
from workers.sources.knowledge_base.wikipedia_xml import (
    MAX_PAGE_BYTES,
    DumpPage,
    SiteInfo,
    open_dump,
    read_pages,
)
from workers.sources.knowledge_base.wikitext import (
    MalformedPage,
    SkipRules,
    article_sections,
    default_rules,
    is_disambiguation,
    parse,
)

log = logging.getLogger(__name__)

BATCH_PAGES = 1000
"""Pages per transaction (of every namespace: the resume marker counts pages read)."""
BATCH_DOCUMENTS = 5000
"""A batch also ends, at the next page's boundary, once it holds this many documents."""
_FILE_NS, _CATEGORY_NS = 6, 14


@dataclass
class DumpImportStats:
    """What one run of :func:`import_dump` did."""

    pages: int = 0
    """Pages read in this run (every namespace), not counting those skipped on resume."""
    resumed: int = 0
    """Pages skipped because an earlier run had committed them."""
    articles: int = 0
    other_namespace: int = 0
    redirects: int = 0
    disambiguation: int = 0
    malformed: int = 0
    oversize: int = 0
    """Pages skipped because their wikitext is over ``max_page_bytes``."""
    documents: int = 0
    """Sections imported (documents upserted)."""
    changed: int = 0
    sentences: int = 0
    embedded: int = 0
    updated: int = 0
    """Documents that were there before with other text (recorded for their re-check when
    the base records changes)."""
    seconds: float = 0.0

    def rate(self, count: int) -> float:
        return count / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        resumed = f" (resumed: {self.resumed} pages already imported)" if self.resumed else ""
        oversize = f", {self.oversize} over --max-page-bytes" if self.oversize else ""
        return (
            f"{self.pages} pages read{resumed}: {self.articles} articles imported as "
            f"{self.documents} documents ({self.changed} new or changed), "
            f"{self.sentences} sentences indexed, {self.embedded} embedded; skipped "
            f"{self.redirects} redirects, {self.disambiguation} disambiguation pages, "
            f"{self.other_namespace} pages of other namespaces, {self.malformed} malformed"
            f"{oversize}; "
            f"{self.seconds:.1f} s: {self.rate(self.articles):.0f} articles/s, "
            f"{self.rate(self.documents):.0f} documents/s, "
            f"{self.rate(self.sentences):.0f} sentences/s"
        )


def resume_key(path: Path) -> str:
    """The ``kb_meta`` key of a dump's resume marker: its absolute path and size."""
    return f"wikipedia-dump:{path.resolve()}:{path.stat().st_size}"


# --- pages into documents --------------------------------------------------------------


def page_documents(page: DumpPage, rules: SkipRules) -> tuple[str, list[Document]]:
    """``(kind, documents)``: kind is ``article`` (with its sections), ``namespace``,
    ``redirect``, ``disambiguation`` or ``malformed`` (raised as :class:`MalformedPage`)."""
    if page.problem is not None:
        raise MalformedPage(page.problem)
    if page.namespace != 0:
        return "namespace", []
    text = page.text or ""
    if page.redirect or text.lstrip()[:9].upper() == "#REDIRECT":
        return "redirect", []
    if page.title.lower().endswith("(disambiguation)"):
        return "disambiguation", []
    code = parse(text)
    if is_disambiguation(code, rules):
        return "disambiguation", []
    base_id = f"{page.site.dbname}:{page.id}"
    docs = []
    for section in article_sections(code, rules):
        docs.append(
            Document(
                id=f"{base_id}#{section.anchor}" if section.anchor else base_id,
                title=" — ".join((page.title, *section.path)),
                text=section.text,
                url=page.site.article_url(page.title, section.anchor),
            )
        )
    return "article", docs


def _rules_for(site: SiteInfo, rules: SkipRules) -> SkipRules:
    local = [site.namespaces.get(_FILE_NS, ""), site.namespaces.get(_CATEGORY_NS, "")]
    return rules.with_link_namespaces(local)


# --- the import ------------------------------------------------------------------------


_COUNTED = {"article": "articles", "namespace": "other_namespace", "redirect": "redirects"}
"""The :class:`DumpImportStats` field a kind of page counts in, where not the kind's name."""


@dataclass
class _Batch:
    documents: list[Document] = field(default_factory=list)
    pages: int = 0
    last_id: int | None = None


class _Importer:
    """Turns pages into batches and commits each with its resume marker."""

    def __init__(
        self, kb: KnowledgeBase, key: str, rules: SkipRules, batch_pages: int, where: str
    ) -> None:
        self.kb, self.key, self.base_rules, self.where = kb, key, rules, where
        self.batch_pages = batch_pages
        self.stats = DumpImportStats()
        self.batch = _Batch()
        self._rules: tuple[SiteInfo, SkipRules] | None = None

    def rules(self, site: SiteInfo) -> SkipRules:
        if self._rules is None or self._rules[0] is not site:
            self._rules = (site, _rules_for(site, self.base_rules))
        return self._rules[1]

    def add(self, page: DumpPage) -> None:
        self.stats.pages += 1
        kind, docs = self._documents(page)
        self._count(kind)
        self.batch.documents += docs
        self.batch.pages += 1
        if page.id is not None:
            self.batch.last_id = page.id
        if self.batch.pages >= self.batch_pages or len(self.batch.documents) >= BATCH_DOCUMENTS:
            self.commit()

    def _documents(self, page: DumpPage) -> tuple[str, list[Document]]:
        if page.oversize is not None:
            log.warning(
                "%s: page %s %r skipped, %s (--max-page-bytes)",
                self.where, page.id, page.title, page.oversize,
            )  # fmt: skip
            return "oversize", []
        try:
            kind, docs = page_documents(page, self.rules(page.site))
            return kind, self._within_limit(page, docs)
        except (MalformedPage, ParserError, RecursionError) as exc:
            log.warning(
                "%s: page %s %r skipped, its markup is broken: %s",
                self.where, page.id, page.title, exc,
            )  # fmt: skip
            return "malformed", []

    def _within_limit(self, page: DumpPage, docs: list[Document]) -> list[Document]:
        limit = self.kb.max_document_chars
        for doc in docs:
            if len(doc.text) > limit:
                log.warning(
                    "%s: page %s %r: section %r left out, %d characters is over the limit "
                    "of %d (CLAIMCHECK_KB_MAX_DOCUMENT_CHARS)",
                    self.where, page.id, page.title, doc.title, len(doc.text), limit,
                )  # fmt: skip
        return [doc for doc in docs if len(doc.text) <= limit]

    def _count(self, kind: str) -> None:
        name = _COUNTED.get(kind, kind)
        setattr(self.stats, name, getattr(self.stats, name) + 1)

    def commit(self) -> None:
        batch, self.batch = self.batch, _Batch()
        if batch.pages == 0:
            return
        marker = {} if batch.last_id is None else {self.key: batch.last_id}
        done = self.kb.import_batch(batch.documents, marker)
        self.stats.documents += done.read
        self.stats.changed += done.changed
        self.stats.sentences += done.sentences
        self.stats.embedded += done.embedded
        self.stats.updated += len(done.updated)


def import_pages(
    kb: KnowledgeBase,
    pages: Iterable[DumpPage],
    *,
    key: str,
    batch_pages: int = BATCH_PAGES,
    rules: SkipRules | None = None,
    where: str = "dump",
    progress: Callable[[], None] | None = None,
) -> DumpImportStats:
    """Import ``pages`` in batches, resuming after the page that ``key``'s marker names.

    ``progress`` is called after each page read; ``where`` names the dump in warnings."""
    importer = _Importer(kb, key, rules or default_rules(), max(1, batch_pages), where)
    resume_after = kb.meta(key)
    started = time.monotonic()
    stream = iter(pages)
    if resume_after is not None:
        for page in stream:
            importer.stats.resumed += 1
            if progress is not None:
                progress()
            if page.id == resume_after:
                break
    try:
        for page in stream:
            importer.add(page)
            if progress is not None:
                progress()
    except (ET.ParseError, EOFError):  # the file breaks here: keep what came before
        importer.commit()
        raise
    importer.commit()
    importer.stats.seconds = time.monotonic() - started
    return importer.stats


def import_dump(
    kb: KnowledgeBase,
    path: Path,
    *,
    batch_pages: int = BATCH_PAGES,
    max_page_bytes: int = MAX_PAGE_BYTES,
    progress: Callable[[int, int], None] | None = None,
) -> DumpImportStats:
    """Import a ``pages-articles`` dump (``.xml`` or ``.xml.bz2``), resuming where an
    earlier run on the same file stopped; pages over ``max_page_bytes`` are skipped.

    ``progress(done, total)`` gets the bytes of the file read so far after each page.
    Raises :class:`InputError` when the file cannot be read or its XML breaks (the batches
    committed before stay; a run on a repaired file resumes after them)."""
    try:
        key, total = resume_key(path), path.stat().st_size
        with open_dump(path) as (xml, raw):

            def tick() -> None:
                if progress is not None:
                    progress(raw.tell(), total)

            return import_pages(
                kb, read_pages(xml, max_page_bytes=max_page_bytes), key=key,
                batch_pages=batch_pages, where=str(path), progress=tick,
            )  # fmt: skip
    except ET.ParseError as exc:
        line, column = exc.position
        raise InputError(
            f"{path}: the XML breaks at line {line}, column {column} ({exc}); the pages "
            "committed before it stay imported", field="dump",
        ) from exc  # fmt: skip
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: cannot read the dump: {exc}", field="dump") from exc
