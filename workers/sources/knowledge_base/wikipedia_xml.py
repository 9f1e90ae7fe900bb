"""Reading a MediaWiki XML export (``pages-articles``) page by page, in bounded memory.

The stream goes through :class:`xml.etree.ElementTree.XMLParser` in 64 KiB chunks and each
``<page>`` is cleared from the tree once read, so memory stays bounded whatever the dump's
size (the standard library is enough for this flat format; mwxml would add a dependency
for the same walk). One page's text is bounded too: past ``max_page_bytes``
(:data:`MAX_PAGE_BYTES`) of its wikitext the parser's target stops keeping characters and
only counts them, and the page comes with ``oversize`` saying so instead of its text (a
62 MB page held whole, then parsed, took 1.07 GB);
:mod:`workers.sources.knowledge_base.wikipedia_dump`
skips such a page with a warning naming it.
"""

from __future__ import annotations

import bz2
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import quote

_URL_SAFE = ";@$!*(),/~:'"
"""Characters MediaWiki leaves unescaped in a title's URL (as ``wfUrlencode`` does)."""
MAX_PAGE_BYTES = 4 * 1024 * 1024
"""The longest page wikitext (UTF-8 bytes) an import reads; a longer page is skipped. Twice
MediaWiki's default ``$wgMaxArticleSize`` (2 MiB): every page of a wiki with the default
settings fits, and an import holds at most about this much of one page."""
_READ_CHUNK = 64 * 1024
_SIZE = "claimcheck-bytes"
"""The attribute :class:`_PageTarget` sets on a ``<text>`` it cut: the size it counted."""


@dataclass(frozen=True)
class SiteInfo:
    """The wiki a dump comes from: ``<siteinfo>``'s database name, URLs and namespaces."""

    dbname: str = "wiki"
    article_path: str | None = None
    """The URL an article's encoded title is appended to (None: the dump has no base)."""
    namespaces: dict[int, str] = field(default_factory=dict)
    """Namespace number -> local name (the main namespace, 0, has the empty name)."""

    def article_url(self, title: str, anchor: str = "") -> str | None:
        if self.article_path is None:
            return None
        url = self.article_path + quote(title.replace(" ", "_"), safe=_URL_SAFE)
        return url + "#" + quote(anchor, safe=_URL_SAFE) if anchor else url

    def namespace_of(self, title: str) -> int:
        """A title's namespace from its prefix (for dumps whose pages have no ``<ns>``)."""
        prefix, colon, _ = title.partition(":")
        if colon:
            for number, name in self.namespaces.items():
                if name and name.lower() == prefix.strip().lower():
                    return number
        return 0


@dataclass(frozen=True)
class DumpPage:
    """One ``<page>``: its last revision's wikitext, or the ``problem`` that makes it
    unreadable."""

    site: SiteInfo
    id: int | None
    title: str
    namespace: int
    redirect: bool
    text: str | None
    problem: str | None = None
    oversize: str | None = None
    """Why the page is skipped for its size (its text is then None)."""


# --- reading the XML -------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _child(element: ET.Element, name: str) -> ET.Element | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _child_text(element: ET.Element, name: str) -> str | None:
    child = _child(element, name)
    return None if child is None else (child.text or "")


def _site_info(element: ET.Element) -> SiteInfo:
    base = _child_text(element, "base")
    article_path: str | None = None
    if base:
        marker = base.find("title=")
        article_path = base[: marker + 6] if marker >= 0 else base.rpartition("/")[0] + "/"
    namespaces: dict[int, str] = {}
    listed = _child(element, "namespaces")
    for ns in listed if listed is not None else ():
        key = _number(ns.get("key", ""), signed=True)
        if key is not None:
            namespaces[key] = (ns.text or "").strip()
    dbname = (_child_text(element, "dbname") or "").strip() or "wiki"
    return SiteInfo(dbname=dbname, article_path=article_path, namespaces=namespaces)


def _number(raw: str, *, signed: bool) -> int | None:
    """``raw`` as a number of ASCII digits (MediaWiki writes no other), else None:
    ``str.isdigit`` also takes "²" (which ``int`` refuses) and other scripts' digits."""
    pattern = r"-?[0-9]+" if signed else r"[0-9]+"
    return int(raw) if re.fullmatch(pattern, raw) else None


def _page(element: ET.Element, site: SiteInfo, max_bytes: int) -> DumpPage:
    title = (_child_text(element, "title") or "").strip()
    raw_id = (_child_text(element, "id") or "").strip()
    page_id = _number(raw_id, signed=False)
    raw_ns = (_child_text(element, "ns") or "").strip()
    number = _number(raw_ns, signed=True)
    namespace = number if number is not None else site.namespace_of(title)
    redirect = _child(element, "redirect") is not None
    revisions = [child for child in element if _local(child.tag) == "revision"]
    text_element = _child(revisions[-1], "text") if revisions else None
    text = None if text_element is None else (text_element.text or "")
    oversize = None
    if text_element is not None and text_element.get(_SIZE) is not None:
        text = None
        oversize = f"its text is {text_element.get(_SIZE)} bytes, over the limit of {max_bytes}"
    problem = None
    if not title:
        problem = "it has no <title>"
    elif page_id is None:
        problem = "it has no numeric <id>"
    elif text_element is None or text_element.get("deleted") is not None:
        problem = "its revision has no <text>"
    return DumpPage(site, page_id, title, namespace, redirect, text, problem, oversize)


class _PageTarget:
    """Builds the tree as ``iterparse`` would and hands out each ``<page>`` once it ended,
    but keeps no more than ``max_bytes`` of a page's ``<text>``: past them it only counts,
    and marks the element with the size (:data:`_SIZE`)."""

    def __init__(self, max_bytes: int) -> None:
        self._tree = ET.TreeBuilder()
        self.max_bytes = max_bytes
        self.site = SiteInfo()
        self._root: ET.Element | None = None
        self._ended: list[ET.Element] = []
        self._in_text = False
        self._size = 0
        """Bytes of ``<text>`` counted in the page being read."""

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        element = self._tree.start(tag, attrs)
        self._root = element if self._root is None else self._root
        name = _local(tag)
        self._size = 0 if name == "page" else self._size
        self._in_text = name == "text"
        return element

    def data(self, data: str) -> None:
        if self._in_text:
            self._size += len(data.encode("utf-8", "surrogatepass"))
            if self._size > self.max_bytes:
                return  # counted, not kept
        self._tree.data(data)

    def end(self, tag: str) -> ET.Element:
        element = self._tree.end(tag)
        self._in_text = False
        name = _local(tag)
        if name == "text" and self._size > self.max_bytes:
            element.set(_SIZE, str(self._size))
        if name in ("siteinfo", "page"):
            self._ended.append(element)
        return element

    def close(self) -> ET.Element:
        return self._tree.close()

    def pages(self) -> Iterator[DumpPage]:
        """The pages that ended since the last call; the tree no longer holds them."""
        ended, self._ended = self._ended, []
        if self._root is not None:
            self._root.clear()  # what ended, and anything before it
        for element in ended:
            if _local(element.tag) == "siteinfo":
                self.site = _site_info(element)
            else:
                yield _page(element, self.site, self.max_bytes)


def read_pages(handle: IO[bytes], *, max_page_bytes: int = MAX_PAGE_BYTES) -> Iterator[DumpPage]:
    """Every ``<page>`` of an export XML stream, in order, each cleared once read; a page
    whose wikitext is over ``max_page_bytes`` comes without it (``oversize`` says why).

    Raises :class:`xml.etree.ElementTree.ParseError` where the XML itself breaks, after
    the pages before that place."""
    target = _PageTarget(max_page_bytes)
    parser = ET.XMLParser(target=target)
    while True:
        chunk = handle.read(_READ_CHUNK)
        try:
            if chunk:
                parser.feed(chunk)
            else:
                parser.close()
        except ET.ParseError:
            yield from target.pages()
            raise
        yield from target.pages()
        if not chunk:
            return


@contextmanager
def open_dump(path: Path) -> Iterator[tuple[IO[bytes], IO[bytes]]]:
    """``(xml, raw)``: the dump's XML bytes (decompressed when it ends in ``.bz2``) and the
    file underneath, whose position tells how far the import has read."""
    with path.open("rb") as raw:
        if path.suffix.lower() == ".bz2":
            with bz2.open(raw, "rb") as xml:
                yield xml, raw
        else:
            yield raw, raw
