"""Word-level text helpers shared by retrieval and the lexical scorer.

Nothing here knows about sources, scores or Celery: it turns text into lowercase word
tokens, tells content words from function words, and pulls out numbers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from shared.text.words import MATCH_TOKEN, stop_words
from shared.text.words import stem as stem  # re-exported: retrieval and the scorers import it here

_RSQUO = "\u2019"  # typographic apostrophe
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w])")


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _retrieval_stop_words() -> frozenset[str]:
    data = json.loads((Path(__file__).parent / "data" / "stop_words.json").read_text("utf-8"))
    base = {w for w in stop_words("en") if w.isalpha()}
    return frozenset((base - set(data["content"]) | set(data["extra"])) - NEGATIONS)


NEGATIONS: frozenset[str] = _word_set(
    """
    not no never none nobody nothing neither nor without cannot cant dont doesnt didnt
    isnt arent wasnt werent wont wouldnt shouldnt couldnt hasnt havent hadnt
    """
)
"""Words that flip the polarity of a statement (contractions are folded, see below)."""

STOP_WORDS: frozenset[str] = _retrieval_stop_words()
"""Function words that carry no topic: spaCy's English list, corrected for retrieval
(``data/stop_words.json`` says how). Negations are deliberately *not* here."""

_CONTRACTIONS = {
    "can't": "cant",
    "won't": "wont",
    "n't": "nt",
}


# Common short forms, expanded before tokenising so "U.S." and "United States" match.
_ALIASES = (
    (re.compile(r"\bU\.S\.(?:A\.)?(?!\w)|\bUSA?\b"), "United States"),
    (re.compile(r"\bU\.N\.(?!\w)|\bUN\b"), "United Nations"),
    (re.compile(r"\bUNSC\b"), "United Nations Security Council"),
    (re.compile(r"\b(?:ISIL|Daesh)\b|\bIslamic State\b", re.IGNORECASE), "ISIS"),
    (re.compile(r"\bDanang\b", re.IGNORECASE), "Da Nang"),
)


def expand_aliases(text: str) -> str:
    for pattern, replacement in _ALIASES:
        text = pattern.sub(replacement, text)
    return text


def words(text: str) -> list[str]:
    """Lowercase word tokens; apostrophes inside words are dropped ("didn't" -> "didnt")."""
    out: list[str] = []
    for match in MATCH_TOKEN.finditer(expand_aliases(text).lower()):
        token = match.group(0).replace(_RSQUO, "'")
        token = _CONTRACTIONS.get(token, token).replace("'", "")
        out.append(token)
    return out


def content_words(text: str) -> list[str]:
    """Tokens that carry meaning: no stop words, no negations, no one-letter tokens."""
    return [t for t in words(text) if len(t) > 1 and t not in STOP_WORDS and t not in NEGATIONS]


def content_stems(text: str) -> set[str]:
    """Stems of the non-numeric content words of ``text``."""
    return {stem(t) for t in content_words(text) if not t.isdigit()}


def coverage(claim_stems: set[str], text: str) -> float:
    """Share of a claim's content stems (:func:`content_stems`) that ``text`` contains."""
    return len(claim_stems & content_stems(text)) / len(claim_stems) if claim_stems else 0.0


_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][\w'\u2019-]*)")


def proper_nouns(text: str) -> set[str]:
    """Stems of capitalised words that do not start a sentence (names, places, months)."""
    found: set[str] = set()
    for match in _CAPITALISED.finditer(expand_aliases(text).strip()):
        for token in words(match.group(1)):
            if token not in STOP_WORDS and len(token) > 1:
                found.add(stem(token))
    return found


def has_negation(text: str) -> bool:
    return any(t in NEGATIONS for t in words(text))


def numbers(text: str) -> set[str]:
    """Numbers written with digits, normalised ("1,000" -> "1000", "2.5" kept)."""
    found: set[str] = set()
    for match in _NUMBER.finditer(text):
        found.add(match.group(0).replace(",", ""))
    return found


def is_year(number: str) -> bool:
    return len(number) == 4 and number.isdigit() and 1000 <= int(number) <= 2100


def unique(tokens: Iterable[str]) -> list[str]:
    """Tokens in first-seen order without repeats."""
    seen: set[str] = set()
    out: list[str] = []
    for token in tokens:
        if token not in seen:
            seen.add(token)
            out.append(token)
    return out
