"""Wikitext to plain prose, section by section, with mwparserfromhell.

An article becomes its lead and one :class:`Section` per heading, each holding only the
prose a reader sees: link labels and formatting are kept; templates (infoboxes, citation
and navigation boxes), tables, ``<ref>`` citations and the other tags listed in
``data/wikipedia_skip.json``, comments, file and image links, category and interlanguage
links and behaviour switches (``__TOC__``) are dropped, and so are the sections that hold
references and link lists ("References", "External links", ...). Paragraphs and list
items stay apart (a blank line between them), so the sentence splitter never joins them.

Markup the parser could not pair (an unclosed ``{{`` or ``[[``, a table never ended)
would otherwise reach the text as literal braces: :func:`article_sections` raises
:class:`MalformedPage` for such a page instead, and the importer skips it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import mwparserfromhell
from mwparserfromhell.nodes import (
    ExternalLink,
    Heading,
    HTMLEntity,
    Node,
    Tag,
    Text,
    Wikilink,
)
from mwparserfromhell.wikicode import Wikicode

_SKIP_FILE = Path(__file__).resolve().parents[1] / "data" / "wikipedia_skip.json"
_LINK_NAMESPACES = ("file", "image", "media", "category")
"""Canonical names of the namespaces whose links are not prose (plus a wiki's own)."""
_INTERLANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[a-z]{2,8})*:")
"""An interlanguage link's target (``[[fr:Paris]]``): a lower-case language code, no label."""
_UNPAIRED = ("{{", "}}", "[[", "]]", "{|")
_SWITCH = re.compile(r"__[A-Z]{3,}__")
_QUOTES = re.compile(r"'{2,}")
_EMPTY_PARENS = re.compile(r"\(\s*(?:[,;:]\s*)*\)")
_PAREN_LEAD = re.compile(r"\(\s*[,;:]\s*")
_SPACE_BEFORE = re.compile(r"\s+([,.;:!?)])")
_PARAGRAPH = re.compile(r"\n\s*\n")
_LIST_MARKS = frozenset({"li", "dt", "dd"})


class MalformedPage(ValueError):
    """The page's wikitext has markup the parser could not pair; its text is not prose."""


@dataclass(frozen=True)
class Section:
    """One part of an article: the lead (``path`` empty) or the prose under a heading."""

    path: tuple[str, ...]
    """Heading titles from the top level down to this section's own."""
    anchor: str
    """The heading's fragment in the article's URL (``""`` for the lead), unique per page."""
    text: str


@dataclass(frozen=True)
class SkipRules:
    """What the conversion leaves out (read from ``data/wikipedia_skip.json``)."""

    disambiguation_templates: frozenset[str]
    dropped_tags: frozenset[str]
    dropped_sections: frozenset[str]
    link_namespaces: frozenset[str] = field(default=frozenset(_LINK_NAMESPACES))
    """Lower-case namespace names (with a wiki's local names and aliases) whose links are
    files or categories, dropped from the text."""

    def with_link_namespaces(self, names: Iterable[str]) -> SkipRules:
        """These rules, also dropping links to the namespaces ``names`` (a dump's local
        names for its file and category namespaces)."""
        extra = frozenset(n.strip().lower() for n in names if n.strip())
        return SkipRules(
            self.disambiguation_templates,
            self.dropped_tags,
            self.dropped_sections,
            self.link_namespaces | extra,
        )


@cache
def default_rules() -> SkipRules:
    """The shipped rules."""
    data = json.loads(_SKIP_FILE.read_text(encoding="utf-8"))
    return SkipRules(
        disambiguation_templates=frozenset(map(_template_key, data["disambiguation_templates"])),
        dropped_tags=frozenset(t.lower() for t in data["dropped_tags"]),
        dropped_sections=frozenset(s.lower() for s in data["dropped_sections"]),
    )


def _template_key(name: str) -> str:
    key = " ".join(name.replace("_", " ").split()).lower()
    return key.removeprefix("template:").strip()


def parse(wikitext: str) -> Wikicode:
    """The parse tree of ``wikitext`` (never raises on bad markup: it becomes text).

    Bold and italic quotes are left as text (parsing them is the tokenizer's slowest
    part) and removed from the prose afterwards."""
    return mwparserfromhell.parse(wikitext, skip_style_tags=True)


def is_disambiguation(code: Wikicode, rules: SkipRules) -> bool:
    """Whether the page lists other pages (a disambiguation or set index page)."""
    if any("__DISAMBIG__" in str(node) for node in code.nodes if isinstance(node, Text)):
        return True
    return any(
        _template_key(str(t.name)) in rules.disambiguation_templates
        for t in code.filter_templates(recursive=False)
    )


def article_sections(code: Wikicode, rules: SkipRules) -> list[Section]:
    """The lead and every kept section of a page, with their prose; empty ones left out.

    Raises :class:`MalformedPage` when markup is left unpaired."""
    sections: list[Section] = []
    anchors: dict[str, int] = {}
    path: list[tuple[int, str]] = []
    dropped_below: int | None = None
    heading: tuple[str, ...] = ()
    anchor = ""
    body: list[str] = []
    for node in code.nodes:
        if not isinstance(node, Heading):
            if dropped_below is None:
                body.append(_plain_node(node, rules))
            continue
        _close(sections, heading, anchor, body)
        body = []
        title = _clean(_plain(node.title, rules).strip("= "))
        while path and path[-1][0] >= node.level:
            path.pop()
        path.append((node.level, title))
        if dropped_below is not None and node.level <= dropped_below:
            dropped_below = None
        if dropped_below is None and title.lower() in rules.dropped_sections:
            dropped_below = node.level
        heading = tuple(t for _, t in path)
        anchor = _unique_anchor(title, anchors)
    _close(sections, heading, anchor, body)
    return sections


def _close(sections: list[Section], path: tuple[str, ...], anchor: str, body: list[str]) -> None:
    text = _prose("".join(body))
    if text:
        sections.append(Section(path=path, anchor=anchor, text=text))


def _unique_anchor(title: str, seen: dict[str, int]) -> str:
    """MediaWiki's fragment for a heading: spaces as underscores, ``_2`` on a repeat."""
    base = "_".join(title.split()) or "section"
    count = seen.get(base, 0) + 1
    seen[base] = count
    return base if count == 1 else f"{base}_{count}"


def _plain(code: Wikicode, rules: SkipRules) -> str:
    return "".join(_plain_node(node, rules) for node in code.nodes)


def _plain_node(node: Node, rules: SkipRules) -> str:
    """The visible prose of one node (templates, comments, arguments and headings have
    none); raises :class:`MalformedPage` on text that still holds paired markup."""
    if isinstance(node, Text):
        for mark in _UNPAIRED:
            if (at := node.value.find(mark)) >= 0:
                near = " ".join(node.value[max(0, at - 30) : at + 30].split())
                raise MalformedPage(f"unpaired {mark!r} in {near!r}")
        return node.value
    if isinstance(node, Tag):
        return _plain_tag(node, rules)
    if isinstance(node, Wikilink):
        return _plain_link(node, rules)
    if isinstance(node, ExternalLink):
        return _plain(node.title, rules) if node.brackets and node.title is not None else ""
    if isinstance(node, HTMLEntity):
        return str(node.normalize())
    return ""


def _plain_tag(tag: Tag, rules: SkipRules) -> str:
    name = str(tag.tag).strip().lower()
    if name in rules.dropped_tags:
        return ""
    if name in _LIST_MARKS and tag.wiki_markup:
        return "\n\n"
    if name == "br":
        return " "
    if name == "nowiki":
        return str(tag.contents) if tag.contents is not None else ""
    return _plain(tag.contents, rules) if tag.contents is not None else ""


def _plain_link(link: Wikilink, rules: SkipRules) -> str:
    target = str(link.title).strip()
    if target.startswith(":"):  # [[:Category:X]] is an ordinary, visible link
        target = target[1:]
    elif _hidden_target(target, rules) or (link.text is None and _INTERLANGUAGE.match(target)):
        return ""
    if link.text is not None:
        return _plain(link.text, rules)
    return target.split("#", 1)[0] or target


def _hidden_target(target: str, rules: SkipRules) -> bool:
    prefix, colon, _ = target.partition(":")
    if not colon:
        return False
    return prefix.strip().lower() in rules.link_namespaces


def _prose(text: str) -> str:
    """Paragraphs of clean prose, one blank line between them."""
    paragraphs = (_clean(p) for p in _PARAGRAPH.split(text))
    return "\n\n".join(p for p in paragraphs if p)


def _clean(text: str) -> str:
    text = _QUOTES.sub("", _SWITCH.sub("", text))
    text = " ".join(_PAREN_LEAD.sub("(", _EMPTY_PARENS.sub("", text)).split())
    return _SPACE_BEFORE.sub(r"\1", text)
