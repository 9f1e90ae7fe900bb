"""Which language a sentence is in: a cheap script and stop-word heuristic, no model.

1. **Script.** Letters are counted per Unicode script. When most letters are not Latin,
   the script decides: Cyrillic is ``ru`` (``uk`` when it has Ukrainian-only letters,
   ``bg`` when it has ``ъ`` but no ``ы``/``э``), Greek ``el``, Arabic ``ar``, Hebrew ``he``,
   Han ``zh``, kana ``ja``, Hangul ``ko``, Devanagari ``hi``, Thai ``th``; other scripts
   give ``und`` (undetermined, still not English).
2. **Stop words.** A Latin-script sentence is English unless the function words of one of
   German, French, Spanish, Italian, Portuguese or Dutch clearly outnumber the English
   ones (at least 2, and more than twice the English count).

Good enough to keep foreign headlines and quotes away from the English models; it is not
a general language identifier (it cannot tell Danish from Norwegian, for one).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Final

ENGLISH: Final = "en"
UNDETERMINED: Final = "und"
MIN_LATIN_SHARE: Final = 0.5

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
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")

_STOP_WORDS: Final = {
    "en": frozenset(
        [
            "the",
            "of",
            "and",
            "to",
            "in",
            "is",
            "was",
            "that",
            "for",
            "it",
            "with",
            "as",
            "on",
            "are",
            "be",
            "by",
            "this",
            "have",
            "from",
            "at",
            "not",
            "but",
            "they",
            "he",
            "she",
            "his",
            "her",
            "has",
            "had",
            "were",
            "will",
            "would",
            "said",
            "which",
            "been",
            "their",
            "who",
            "its",
            "an",
            "or",
            "we",
            "you",
            "our",
            "there",
            "than",
            "can",
        ]
    ),
    "de": frozenset(
        [
            "der",
            "die",
            "das",
            "und",
            "ist",
            "nicht",
            "ein",
            "eine",
            "den",
            "dem",
            "des",
            "zu",
            "mit",
            "sich",
            "auf",
            "für",
            "von",
            "im",
            "auch",
            "wird",
            "sind",
            "war",
            "wurde",
            "bei",
            "oder",
            "aus",
            "wie",
            "nach",
            "hat",
            "dass",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "et",
            "est",
            "des",
            "une",
            "un",
            "du",
            "que",
            "qui",
            "dans",
            "pour",
            "pas",
            "sur",
            "au",
            "avec",
            "il",
            "elle",
            "sont",
            "ont",
            "été",
            "par",
            "ce",
            "cette",
            "aux",
            "mais",
            "ou",
            "son",
            "ses",
            "leur",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "y",
            "es",
            "del",
            "que",
            "en",
            "un",
            "una",
            "por",
            "con",
            "para",
            "se",
            "no",
            "su",
            "al",
            "lo",
            "como",
            "más",
            "pero",
            "sus",
            "fue",
            "son",
            "ha",
            "este",
            "esta",
        ]
    ),
    "it": frozenset(
        [
            "il",
            "lo",
            "la",
            "gli",
            "le",
            "e",
            "è",
            "di",
            "che",
            "un",
            "una",
            "per",
            "con",
            "non",
            "del",
            "della",
            "sono",
            "nel",
            "alla",
            "ha",
            "come",
            "anche",
            "si",
            "ma",
            "più",
            "questo",
        ]
    ),
    "pt": frozenset(
        [
            "o",
            "a",
            "os",
            "as",
            "e",
            "é",
            "do",
            "da",
            "dos",
            "das",
            "que",
            "em",
            "um",
            "uma",
            "para",
            "com",
            "não",
            "por",
            "se",
            "na",
            "no",
            "mais",
            "foi",
            "são",
            "ao",
            "pelo",
            "pela",
        ]
    ),
    "nl": frozenset(
        [
            "de",
            "het",
            "een",
            "en",
            "is",
            "van",
            "dat",
            "op",
            "te",
            "in",
            "zijn",
            "niet",
            "met",
            "voor",
            "er",
            "aan",
            "ook",
            "als",
            "bij",
            "door",
            "maar",
            "om",
            "wordt",
            "werd",
            "heeft",
        ]
    ),
}


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else ""


def _cyrillic_language(text: str) -> str:
    lowered = text.lower()
    if any(c in lowered for c in "іїєґ"):
        return "uk"
    if "ъ" in lowered and not any(c in lowered for c in "ыэ"):
        return "bg"
    return "ru"


def script_language(text: str) -> str | None:
    """The language the script gives away, ``None`` when the text is mostly Latin (or has
    no letters)."""
    scripts: Counter[str] = Counter()
    for char in text:
        if char.isalpha():
            scripts["LATIN" if char.isascii() else _script(char)] += 1
    total = sum(scripts.values())
    if total == 0 or scripts["LATIN"] / total >= MIN_LATIN_SHARE:
        return None
    if scripts["HIRAGANA"] or scripts["KATAKANA"]:
        return "ja"  # Japanese mixes kana with Han characters
    script, _ = max(((s, n) for s, n in scripts.items() if s != "LATIN"), key=lambda x: x[1])
    if script == "CYRILLIC":
        return _cyrillic_language(text)
    return _SCRIPT_LANGUAGE.get(script, UNDETERMINED)


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text``'s language by the heuristic above (``und`` when unsure
    but not English). Text without letters counts as English."""
    by_script = script_language(text)
    if by_script is not None:
        return by_script
    words = [w.lower() for w in _WORD.findall(text)]
    counts = {lang: sum(1 for w in words if w in stops) for lang, stops in _STOP_WORDS.items()}
    english = counts.pop(ENGLISH)
    lang, best = max(counts.items(), key=lambda kv: kv[1])
    if best >= 2 and best > 2 * english:
        return lang
    return ENGLISH


def is_mostly_non_latin(line: str) -> bool:
    """True when most letters of ``line`` are outside the Latin script (e.g. Cyrillic)."""
    return script_language(line) is not None
