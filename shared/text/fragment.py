"""Links that land on a sentence: URL text fragments (``#:~:text=``).

Implements the link side of the WICG "URL Fragment Text Directives" draft
(https://wicg.github.io/scroll-to-text-fragment/): a browser that supports it scrolls to
and highlights the first match of the directive's text; one that does not simply opens
the page. A directive is ``text=[prefix-,]textStart[,textEnd][,-suffix]``, placed after
the fragment directive delimiter ``:~:`` in the URL's fragment. This module writes
``text=textStart`` for short sentences and ``text=textStart,textEnd`` (the sentence's
first and last few words) for long ones, which keeps the URL short and still matches
when the middle of the sentence is rendered a little differently (a link, a footnote).
"""

from __future__ import annotations

from urllib.parse import quote

DIRECTIVE_DELIMITER = ":~:"
"""Starts the fragment directive inside a URL's fragment (``#frag:~:text=...``)."""

MAX_EXACT_WORDS = 10
"""Sentences of at most this many words are matched whole (``text=textStart``)."""

EDGE_WORDS = 4
"""A longer sentence is matched from its first to its last this many words."""


def encode_term(term: str) -> str:
    """Percent-encode one term of a text directive.

    Everything but ASCII letters, digits, ``.``, ``_`` and ``~`` is encoded (UTF-8), so
    ``-``, ``,`` and ``&`` (directive syntax), ``#``, ``%`` and spaces can never be read as
    anything but text.
    """
    return quote(term, safe="").replace("-", "%2D")


def text_directive(sentence: str) -> str | None:
    """The ``text=...`` directive that matches ``sentence`` (whitespace collapsed).

    None for a sentence with no text at all.
    """
    words = sentence.split()
    if not words:
        return None
    if len(words) <= MAX_EXACT_WORDS:
        return "text=" + encode_term(" ".join(words))
    start = " ".join(words[:EDGE_WORDS])
    end = " ".join(words[-EDGE_WORDS:])
    return f"text={encode_term(start)},{encode_term(end)}"


def fragment_link(url: str | None, sentence: str) -> str | None:
    """``url`` with a text directive that makes a browser scroll to ``sentence``.

    Returns None when there is no URL (None or empty). A fragment the URL already has is
    kept and the directive follows it (``#frag:~:text=...``); a fragment directive it
    already has (anything after ``:~:``) is replaced. For a blank sentence the URL comes
    back without any fragment directive.

    >>> fragment_link("https://example.org/a", "Water boils at 100 degrees.")
    'https://example.org/a#:~:text=Water%20boils%20at%20100%20degrees.'
    """
    if not url:
        return None
    base, hash_sign, fragment = url.partition("#")
    if hash_sign:
        fragment = fragment.split(DIRECTIVE_DELIMITER, 1)[0]
    directive = text_directive(sentence)
    if directive is None:
        return f"{base}#{fragment}" if fragment else base
    return f"{base}#{fragment}{DIRECTIVE_DELIMITER}{directive}"
