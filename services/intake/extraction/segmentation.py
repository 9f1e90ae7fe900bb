"""Cutting an article into paragraphs, segments and sentences, keeping exact offsets.

* **Paragraphs** end at blank lines; no sentence ever spans two.
* **Segments** are the runs of lines spaCy's sentence recogniser sees at once. A line
  break ends a segment when the line is a list item, when the next one is a list item,
  when the script changes (a Cyrillic headline above English text), when the line ends
  with sentence punctuation, or when it has none but looks like a headline (short, and
  the next line starts with a capital). A line that wraps mid-sentence (the next line
  starts in lower case, or the line is long and has no final punctuation) is joined.
* **Sentences** come from the recogniser, then fragments are glued back: a piece that
  starts in lower case (``said Donald Trump ...`` after ``,"``), or holds only
  punctuation, belongs to the sentence before it. Leading list markers are left out of
  the span; surrounding white space too.

Offsets are always in article coordinates: ``text[s.start:s.end] == s.text``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from services.intake.extraction.language import is_mostly_non_latin

_BLANK_LINES: Final = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LINE: Final = re.compile(r"[^\n]+")
_LIST_MARKER: Final = re.compile(
    r"^\s*(?:[-*\u2022\u2023\u25aa\u2013\u2014]|\(?\d{1,3}[.)]|[a-z][.)])\s+"
)
_BULLET_ONLY: Final = re.compile(r"[ \t]*(?:[-*\u2022\u2023\u25aa]|\(?\d{1,3}[.)]|[a-z][.)])[ \t]+")
_TERMINAL: Final = ".!?\u2026:;"
_CLOSERS: Final = "\"'\u201d\u2019\u00bb)]"
HEADLINE_MAX_WORDS: Final = 14
WRAP_MIN_CHARS: Final = 60


@dataclass(frozen=True)
class Span:
    """A piece of the article: ``article[start:end] == text``."""

    text: str
    start: int
    end: int


def paragraphs(text: str) -> list[Span]:
    """Non-blank paragraphs (split at blank lines), stripped, with offsets."""
    out: list[Span] = []
    begin = 0
    for match in [*_BLANK_LINES.finditer(text), None]:
        stop = match.start() if match else len(text)
        span = _strip(text, begin, stop)
        if span is not None:
            out.append(span)
        if match:
            begin = match.end()
    return out


def _strip(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(text[start:end], start, end) if start < end else None


def _ends_sentence(line: str) -> bool:
    return line.rstrip().rstrip(_CLOSERS).endswith(tuple(_TERMINAL))


def _breaks_after(line: str, following: str) -> bool:
    """Whether a segment ends at the line break between ``line`` and ``following``."""
    if _LIST_MARKER.match(line) or _LIST_MARKER.match(following):
        return True
    if is_mostly_non_latin(line) != is_mostly_non_latin(following):
        return True
    if _ends_sentence(line):
        return True
    nxt = following.lstrip().lstrip("\"'\u201c\u2018\u00ab")
    if nxt[:1].islower():
        return False  # the sentence wraps onto the next line
    return len(line.split()) <= HEADLINE_MAX_WORDS or len(line.strip()) < WRAP_MIN_CHARS


def segments(text: str, paragraph: Span) -> list[Span]:
    """The segments of one paragraph (see the module docstring)."""
    lines = [
        (m.start() + paragraph.start, m.end() + paragraph.start)
        for m in _LINE.finditer(paragraph.text)
    ]
    out: list[Span] = []
    seg_start: int | None = None
    for i, (start, end) in enumerate(lines):
        if seg_start is None:
            seg_start = start
            marker = _BULLET_ONLY.match(text, start, end)
            if marker:
                seg_start = marker.end()
        last = i == len(lines) - 1
        if last or _breaks_after(text[start:end], text[lines[i + 1][0] : lines[i + 1][1]]):
            span = _strip(text, seg_start, end)
            if span is not None:
                out.append(span)
            seg_start = None
    return out


def _is_fragment(piece: str) -> bool:
    body = piece.lstrip(" \t\"'\u201c\u201d\u2018\u2019\u00ab\u00bb\u2013\u2014-,;:")
    if not any(c.isalnum() for c in body):
        return True
    return body[:1].islower()


def sentences(text: str, segment: Span, bounds: Iterable[tuple[int, int]]) -> Iterator[Span]:
    """Sentences of ``segment`` from recogniser ``bounds`` (character offsets relative to
    the segment), with fragments glued to the sentence before them."""
    pending: tuple[int, int] | None = None
    for rel_start, rel_end in bounds:
        piece = _strip(text, segment.start + rel_start, segment.start + rel_end)
        if piece is None:
            continue
        if pending is not None and _is_fragment(piece.text):
            pending = (pending[0], piece.end)
            continue
        if pending is not None:
            done = _strip(text, *pending)
            if done is not None:
                yield done
        pending = (piece.start, piece.end)
    if pending is not None:
        done = _strip(text, *pending)
        if done is not None:
            yield done


_OPENING: Final = "\u201c\u00ab\u201e"
_CLOSING: Final = "\u201d\u00bb"


def quote_depths(paragraph: str) -> list[int]:
    """Quotation depth before each character of ``paragraph`` (0: outside quotes).

    Curly and guillemet quotes nest; a straight double quote opens when it follows a
    space or starts the text, and closes otherwise. An unclosed quote runs to the end.
    """
    depth = 0
    out: list[int] = []
    for i, char in enumerate(paragraph):
        out.append(depth)
        if char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth = max(0, depth - 1)
        elif char == '"':
            opens = i == 0 or paragraph[i - 1].isspace() or paragraph[i - 1] in "([\u2013\u2014"
            depth = depth + 1 if opens else max(0, depth - 1)
    return out


def inside_quote(paragraph: str, depths: list[int], start: int, end: int) -> bool:
    """True when ``paragraph[start:end]`` begins inside quotation marks: its first letter
    is quoted. Scare quotes in the middle of a sentence do not count."""
    for i in range(start, end):
        if paragraph[i].isalnum():
            return depths[i] > 0
    return False
