"""Sentence splitting for reference documents, with character offsets, in linear time.

:func:`sentence_spans` gives ``(start, end)`` offsets into the original text, so a piece of
evidence can point at the exact place in its document; :func:`split_sentences` gives the
sentences themselves with whitespace collapsed. Both look at a bounded window before each
candidate boundary, so the cost grows with the length of the text, never with its square.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    str.split(
        """
    mr mrs ms dr prof st jr sr gen col lt sgt capt gov sen rep rev vs etc no fig approx
    jan feb mar apr jun jul aug sep sept oct nov dec inc ltd co corp dept univ mt
    """
    )
)
# A sentence ends at . ! or ? (optionally followed by closing quotes or brackets) before
# whitespace and an upper-case letter, a digit or an opening quote.
_BOUNDARY = re.compile(r"(?<=[.!?])([\"'\u201d\u2019)\]]*)\s+(?=[\"\u201c\u2018(\[]?[A-Z0-9])")
_CLOSERS = "\"')]\u201d\u2019"
_PARAGRAPH = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LAST_WORD = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")
_WINDOW = 64
"""Characters before a boundary that the abbreviation check reads (longer words are not
abbreviations)."""

MIN_SENTENCE_CHARS = 12


def sentence_spans(text: str, *, min_chars: int = MIN_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """``(start, end)`` of every sentence of ``text``; ``text[start:end]`` is stripped.

    Abbreviations ("Dr.", "Sept."), initials ("D.C.", "U.S.") and decimal numbers do not
    end a sentence; blank lines always do. Sentences shorter than ``min_chars`` (after
    collapsing whitespace) are dropped.
    """
    spans: list[tuple[int, int]] = []
    for first, last in _paragraphs(text):
        start = first
        for match in _BOUNDARY.finditer(text, first, last):
            before = text[max(first, match.start() - _WINDOW) : match.start()]
            if _ends_with_abbreviation(before.rstrip(_CLOSERS)):
                continue
            _keep(text, start, match.end(1), min_chars, spans)
            start = match.end()
        _keep(text, start, last, min_chars, spans)
    return spans


def split_sentences(text: str, *, min_chars: int = MIN_SENTENCE_CHARS) -> list[str]:
    """The sentences of ``text`` with whitespace collapsed (see :func:`sentence_spans`)."""
    return [collapse(text[s:e]) for s, e in sentence_spans(text, min_chars=min_chars)]


def collapse(text: str) -> str:
    """Whitespace runs (newlines included) read as one space; ends stripped."""
    return " ".join(text.split())


def _paragraphs(text: str) -> list[tuple[int, int]]:
    bounds: list[tuple[int, int]] = []
    start = 0
    for match in _PARAGRAPH.finditer(text):
        bounds.append((start, match.start()))
        start = match.end()
    bounds.append((start, len(text)))
    return bounds


def _keep(text: str, start: int, end: int, min_chars: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start and len(collapse(text[start:end])) >= min_chars:
        spans.append((start, end))


def _ends_with_abbreviation(prefix: str) -> bool:
    match = _LAST_WORD.search(prefix)
    if match is None:
        return False
    word = match.group(1)
    if "." in word:  # initials such as "U.S." or "D.C."
        return True
    return word.lower() in _ABBREVIATIONS or (len(word) == 1 and word.isupper())
