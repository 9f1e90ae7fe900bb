"""Sentences the extractor cannot read reliably, and why (the ``unreadable`` skip).

Checked before the model runs, on the sentence's words only (no parser):

* ``fragment``: fewer than :data:`MIN_WORDS` words.
* ``truncated``: a teaser that ends in ``...``.
* ``dangling_end``: the last word is one an English sentence does not end on ("... the
  destruction of the"): a headline cut off, or half a sentence.
* ``garbled_quote``: the sentence ends with a lower-case word (not an adverb) straight after a
  closing quotation mark ("The White house explained “unmatched graphics” presidents."):
  the word order of a machine translation, not English.
* ``repeated_word``: a word written twice in a row ("the the"), outside ``repeat_ok``.

The cue words live in ``data/unreadable.json``; the hand-labelled examples that measure the
gate's precision are in ``tests/services/intake/extraction/unreadable_examples.jsonl``.
"""

from __future__ import annotations

import re
from typing import Final, Literal

from services.intake.extraction.vocabulary import load_data
from shared.text.words import words

UnreadableCue = Literal["fragment", "truncated", "dangling_end", "garbled_quote", "repeated_word"]

MIN_WORDS: Final = 5
"""Sentences with fewer words than this are fragments, not claims."""

_DATA: Final = load_data("unreadable")
DANGLING_END: Final[frozenset[str]] = frozenset(_DATA["dangling_end"])
_TAIL_ALLOWED: Final[frozenset[str]] = frozenset(_DATA["after_quote_tail_allowed"])
_REPEAT_OK: Final[frozenset[str]] = frozenset(_DATA["repeat_ok"])
_TAIL_MAX: Final[int] = int(_DATA["after_quote_tail_max_words"])

_CLOSING: Final = "\"'\u201d\u2019\u00bb)]} \t\n"
_TAIL_AFTER_QUOTE: Final = re.compile(
    r"[\u201d\u00bb](?P<tail>(?:\s+[a-z][a-z'\u2019-]*){1," + str(_TAIL_MAX) + r"})\s*[.!]?\s*$"
)
_REPEAT: Final = re.compile(r"\b(?P<w>[A-Za-z]+)\s+(?P=w)\b", re.IGNORECASE)


def _odd_tail(tail: str) -> bool:
    return not any(w in _TAIL_ALLOWED or w.endswith("ly") for w in tail.lower().split())


def unreadable_cue(text: str) -> UnreadableCue | None:
    """Why ``text`` cannot be read reliably, or None when it can."""
    ws = words(text)
    if len(ws) < MIN_WORDS:
        return "fragment"
    tail = text.rstrip(_CLOSING)
    if tail.endswith(("...", "\u2026")):
        return "truncated"
    if not tail.endswith(("?", "!")) and ws[-1].lower() in DANGLING_END:
        return "dangling_end"
    m = _TAIL_AFTER_QUOTE.search(text)
    if m is not None and _odd_tail(m.group("tail")):
        return "garbled_quote"
    for rep in _REPEAT.finditer(text):
        if rep.group("w").lower() not in _REPEAT_OK and not rep.group("w").isdigit():
            return "repeated_word"
    return None
