"""Which language a sentence is in: a cheap script and stop-word heuristic, no model.

1. **Script.** Letters are counted per Unicode script. When most letters are not Latin,
   the script decides: Cyrillic is ``ru`` (``uk`` when it has Ukrainian-only letters,
   ``bg`` when it has ``ъ`` but no ``ы``/``э``), Greek ``el``, Arabic ``ar``, Hebrew ``he``,
   Han ``zh``, kana ``ja``, Hangul ``ko``, Devanagari ``hi``, Thai ``th``; other scripts
   give ``und`` (undetermined, still not English).
2. **Stop words.** A Latin-script sentence is English unless the stop words (spaCy's
   lists, :func:`services.intake.extraction.vocabulary.stop_words`) of one of German, French,
   Spanish, Italian, Portuguese or Dutch clearly outnumber the English ones (at least 2,
   and more than twice the English count).

What the heuristic counts is :class:`Evidence`, and the evidence of two texts adds up to
the evidence of both: the extractor counts each sentence once and decides its segment from
the sum of its sentences (:func:`language_of`), without reading the text twice.

Good enough to keep foreign headlines and quotes away from the English models; it is not
a general language identifier (it cannot tell Danish from Norwegian, for one).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Final

from services.intake.extraction.vocabulary import stop_words
from shared.text.words import words

ENGLISH: Final = "en"
UNDETERMINED: Final = "und"
MIN_LATIN_SHARE: Final = 0.5
OTHER_LATIN: Final = ("de", "fr", "es", "it", "pt", "nl")
"""The Latin-script languages told apart from English, in the order that breaks ties."""

_SCRIPT_LANGUAGE: Final = {
    "GREEK": "el",
    "ARABIC": "ar",
    "HEBREW": "he",
    "CJK": "zh",
    "HIRAGANA": "ja",
    "KATAKANA": "ja",
    "HANGUL": "ko",
    "DEVANAGARI": "hi",
    "THAI": "th",
}
_CYRILLIC_MARKS: Final = {
    **dict.fromkeys("іїєґ", "ukrainian"),
    "ъ": "hard sign",
    **dict.fromkeys("ыэ", "yery"),
}
"""Cyrillic letters (lower case) that tell Ukrainian, Bulgarian and Russian apart."""


@dataclass(frozen=True)
class Evidence:
    """What the heuristic counts in a text; ``a + b`` is the evidence of both texts."""

    letters: Counter[str] = field(default_factory=Counter)
    """Letters per script (``LATIN`` for ASCII letters), in order of first appearance."""
    marks: frozenset[str] = frozenset()
    """The Cyrillic marks (:data:`_CYRILLIC_MARKS`) that occur."""
    stops: Counter[str] = field(default_factory=Counter)
    """Stop words per language (English and :data:`OTHER_LATIN`)."""

    def __add__(self, other: Evidence) -> Evidence:
        return Evidence(
            self.letters + other.letters, self.marks | other.marks, self.stops + other.stops
        )


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else ""


def _letters(text: str) -> tuple[Counter[str], frozenset[str]]:
    scripts: Counter[str] = Counter()
    marks: set[str] = set()
    for char in text:
        if not char.isalpha():
            continue
        script = "LATIN" if char.isascii() else _script(char)
        scripts[script] += 1
        if script == "CYRILLIC":
            mark = _CYRILLIC_MARKS.get(char.lower())
            if mark is not None:
                marks.add(mark)
    return scripts, frozenset(marks)


def evidence(text: str) -> Evidence:
    """What the heuristic counts in ``text``: its letters per script and its stop words."""
    letters, marks = _letters(text)
    lists = [(lang, stop_words(lang)) for lang in (ENGLISH, *OTHER_LATIN)]
    stops: Counter[str] = Counter()
    for word in words(text):
        low = word.lower()
        stops.update(lang for lang, listed in lists if low in listed)
    return Evidence(letters, marks, stops)


def _cyrillic_language(marks: frozenset[str]) -> str:
    if "ukrainian" in marks:
        return "uk"
    if "hard sign" in marks and "yery" not in marks:
        return "bg"
    return "ru"


def _script_language(letters: Counter[str], marks: frozenset[str]) -> str | None:
    total = sum(letters.values())
    if total == 0 or letters["LATIN"] / total >= MIN_LATIN_SHARE:
        return None
    if letters["HIRAGANA"] or letters["KATAKANA"]:
        return "ja"  # Japanese mixes kana with Han characters
    script, _ = max(((s, n) for s, n in letters.items() if s != "LATIN"), key=lambda x: x[1])
    if script == "CYRILLIC":
        return _cyrillic_language(marks)
    return _SCRIPT_LANGUAGE.get(script, UNDETERMINED)


def language_of(found: Evidence) -> str:
    """ISO 639-1 code of the language ``found`` points to (see the module docstring)."""
    by_script = _script_language(found.letters, found.marks)
    if by_script is not None:
        return by_script
    english = found.stops[ENGLISH]
    lang, best = max(((lang, found.stops[lang]) for lang in OTHER_LATIN), key=lambda kv: kv[1])
    if best >= 2 and best > 2 * english:
        return lang
    return ENGLISH


def script_language(text: str) -> str | None:
    """The language the script gives away, ``None`` when the text is mostly Latin (or has
    no letters)."""
    return _script_language(*_letters(text))


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text``'s language by the heuristic above (``und`` when unsure
    but not English). Text without letters counts as English."""
    return language_of(evidence(text))


def is_mostly_non_latin(line: str) -> bool:
    """True when most letters of ``line`` are outside the Latin script (e.g. Cyrillic)."""
    return script_language(line) is not None
