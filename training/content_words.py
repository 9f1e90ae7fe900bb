"""Text as a set of content words, and the overlap of two such sets.

The stance data (NEI negatives, same-document pairs, data levers) and the synthetic
claims judge "says much the same" by word overlap; one stopword list keeps them agreeing.
Standard library only. Text normalization itself is :func:`shared.text.words.normalize_text`,
shared with the runtime.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+")
_STOP = (
    "a an the of in on at to for from by with and or but is are was were be been being "
    "it its this that these those as not no than then there their they he she his her "
    "has have had do does did will would can could may might should which who whom what"
)
STOPWORDS = frozenset(_STOP.split(" "))


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in STOPWORDS}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
