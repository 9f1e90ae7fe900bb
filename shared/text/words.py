"""Text primitives shared by the intake, the workers and model training.

* :func:`normalize_text`: the normalisation training and serving both apply, so that a
  model sees at run time the text it was trained on.
* :data:`WORD` and :func:`words`: the one definition of a word; :data:`MATCH_TOKEN` the
  token retrieval matches on.
* :func:`stop_words`: spaCy's stop-word list of a language.
* :func:`stem`: the light suffix stripper retrieval and slot alignment match words with.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path
from typing import Final

_PTB = {
    "-LRB-": "(",
    "-RRB-": ")",
    "-LSB-": "[",
    "-RSB-": "]",
    "-LCB-": "{",
    "-RCB-": "}",
    "-COLON-": ":",
    "``": '"',
    "''": '"',
}
_PTB_RE = re.compile("|".join(re.escape(k) for k in _PTB))
_SPACE_BEFORE = re.compile(r"\s+([,.;:!?%)\]}]|'s\b|n't\b|'re\b|'ve\b|'ll\b|'d\b|'m\b)")
_SPACE_AFTER = re.compile(r"([(\[{$])\s+")
_WS = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Undo PTB escapes and tokenizer spacing; collapse whitespace (idempotent)."""
    text = _PTB_RE.sub(lambda m: _PTB[m.group(0)], text)
    text = text.replace("\u00a0", " ").replace("\ufffd", " ")
    text = _WS.sub(" ", text).strip()
    text = _SPACE_BEFORE.sub(r"\1", text)
    text = _SPACE_AFTER.sub(r"\1", text)
    return text


WORD: Final = re.compile(r"[^\W_]+(?:['\u2019.-][^\W_]+)*")
"""A word: a run of letters or digits, with inner apostrophes, periods and hyphens kept
(``don't``, ``U.S``, ``so-called``, ``3.5``); other punctuation and white space part words."""


MATCH_TOKEN: Final = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
"""A token for matching text against text (retrieval, coverage): like :data:`WORD`, but
split at inner periods and hyphens, so "so-called" meets "called" and "3.5" meets "3"."""


def words(text: str) -> list[str]:
    """The words of ``text`` (:data:`WORD`), in order, as written."""
    return WORD.findall(text)


@functools.cache
def stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop words of ``lang`` (an ISO 639-1 code spaCy ships a language for), in
    lower case, read on first use from ``spacy/lang/<lang>/stop_words.py`` without importing
    spaCy itself (that module is plain data; spaCy's package takes half a second and tens of
    MiB to import, which a worker that never parses should not pay).

    Raises :class:`ModuleNotFoundError` for a language spaCy does not ship.
    """
    package = importlib.util.find_spec("spacy")
    if package is None or package.origin is None or not re.fullmatch(r"[a-z]{2,3}", lang):
        raise ModuleNotFoundError(f"no spaCy stop words for {lang!r}")
    path = Path(package.origin).parent / "lang" / lang / "stop_words.py"
    spec = importlib.util.spec_from_file_location(f"_spacy_stop_words_{lang}", path)
    if spec is None or spec.loader is None or not path.is_file():
        raise ModuleNotFoundError(f"no spaCy stop words for {lang!r}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return frozenset(w.lower() for w in module.STOP_WORDS)


@functools.lru_cache(maxsize=8192)
def stem(token: str) -> str:
    """A deliberately light suffix stripper: enough to match "talks"/"talk", "held"/"held"."""
    if len(token) <= 3 or token.isdigit():
        return token
    for suffix, replacement, min_len in (
        ("ies", "y", 5),
        ("ly", "", 7),
        ("ing", "", 6),
        ("ed", "", 5),
        ("es", "", 5),
        ("s", "", 4),
    ):
        if token.endswith(suffix) and len(token) >= min_len and not token.endswith("ss"):
            token = token[: len(token) - len(suffix)] + replacement
            break
    # fold a final silent "e" so "interfere" and "interfered" meet at "interfer"
    if len(token) > 4 and token.endswith("e") and not token.endswith("ee"):
        token = token[:-1]
    return token
