"""Regex sentence splitting for reference passages (short, well-formed prose)."""

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
_PARAGRAPH = re.compile(r"\n\s*\n|\r\n\s*\r\n")
_LAST_WORD = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")

MIN_SENTENCE_CHARS = 12


def split_sentences(text: str, *, min_chars: int = MIN_SENTENCE_CHARS) -> list[str]:
    """Split prose into sentences; fragments shorter than ``min_chars`` are dropped.

    Abbreviations ("Dr.", "Sept."), initials ("D.C.", "U.S.") and decimal numbers do not
    end a sentence; blank lines always do.
    """
    sentences: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        flat = " ".join(paragraph.split())
        if not flat:
            continue
        start = 0
        pieces: list[str] = []
        for match in _BOUNDARY.finditer(flat):
            end = match.end(1)  # keep closing quotes with their sentence
            candidate = flat[start:end].strip()
            if _ends_with_abbreviation(flat[: match.start()].rstrip(_CLOSERS)):
                continue
            pieces.append(candidate)
            start = match.end()
        pieces.append(flat[start:].strip())
        sentences.extend(p for p in pieces if len(p) >= min_chars)
    return sentences


def _ends_with_abbreviation(prefix: str) -> bool:
    match = _LAST_WORD.search(prefix)
    if match is None:
        return False
    word = match.group(1)
    if "." in word:  # initials such as "U.S." or "D.C."
        return True
    return word.lower() in _ABBREVIATIONS or (len(word) == 1 and word.isupper())
