"""Small MediaWiki export dumps in the real format (``export-0.11``), written by tests."""

from __future__ import annotations

import bz2
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

EXPORT_NS = "http://www.mediawiki.org/xml/export-0.11/"
NAMESPACES = {-2: "Media", 0: "", 1: "Talk", 6: "File", 10: "Template", 14: "Category"}


@dataclass(frozen=True)
class Page:
    id: int
    title: str
    text: str | None
    ns: int = 0
    redirect: str | None = None


def page_xml(page: Page) -> str:
    redirect = f"    <redirect title={quoteattr(page.redirect)} />\n" if page.redirect else ""
    text = (
        f'      <text bytes="{len(page.text.encode())}" xml:space="preserve">'
        f"{escape(page.text)}</text>\n"
        if page.text is not None
        else ""
    )
    return (
        "  <page>\n"
        f"    <title>{escape(page.title)}</title>\n"
        f"    <ns>{page.ns}</ns>\n"
        f"    <id>{page.id}</id>\n"
        f"{redirect}"
        "    <revision>\n"
        f"      <id>{page.id * 100}</id>\n"
        "      <timestamp>2024-05-01T12:00:00Z</timestamp>\n"
        "      <contributor><username>Editor</username><id>7</id></contributor>\n"
        "      <model>wikitext</model>\n"
        "      <format>text/x-wiki</format>\n"
        f"{text}"
        "    </revision>\n"
        "  </page>\n"
    )


def dump_xml(
    pages: list[Page],
    *,
    base: str = "https://en.wikipedia.org/wiki/Main_Page",
    dbname: str = "enwiki",
) -> str:
    namespaces = "".join(
        f'      <namespace key="{key}" case="first-letter">{escape(name)}</namespace>\n'
        if name
        else f'      <namespace key="{key}" case="first-letter" />\n'
        for key, name in NAMESPACES.items()
    )
    return (
        f'<mediawiki xmlns="{EXPORT_NS}" version="0.11" xml:lang="en">\n'
        "  <siteinfo>\n"
        "    <sitename>Wikipedia</sitename>\n"
        f"    <dbname>{dbname}</dbname>\n"
        f"    <base>{escape(base)}</base>\n"
        "    <generator>MediaWiki 1.43.0</generator>\n"
        "    <case>first-letter</case>\n"
        f"    <namespaces>\n{namespaces}    </namespaces>\n"
        "  </siteinfo>\n" + "".join(page_xml(p) for p in pages) + "</mediawiki>\n"
    )


def write_dump(path: Path, pages: list[Page], **site: str) -> Path:
    """Write the dump, bz2-compressed when ``path`` ends in ``.bz2``."""
    data = dump_xml(pages, **site).encode("utf-8")
    path.write_bytes(bz2.compress(data) if path.suffix == ".bz2" else data)
    return path
