"""Every typed slot of a text: dates first, then quantities (so a year is never a count),
then names (so "25 December" is never a name), then polarity; and the content words left,
which say what the text is about."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from shared.slots.dates import find_dates
from shared.slots.model import Slots
from shared.slots.names import find_names
from shared.slots.polarity import find_polarity
from shared.slots.quantities import find_quantities
from shared.text.words import MATCH_TOKEN, normalize_text, stem, stop_words, words

EXTRACT_CACHE = 512
"""Texts whose slots a process keeps (a knowledge-base sentence retrieved for one claim is
often retrieved for the next); small enough that a long batch's memory stays flat."""


def extract(text: str, known_names: Iterable[str] = (), *, cache: bool = True) -> Slots:
    """The slots of ``text``; ``known_names`` (a knowledge base's titles) are names even as
    a sentence's first word. ``cache``: keep them for the next call with the same text (a
    sentence a source returns again); off for one-off texts (evidence given with a claim)."""
    known = tuple(known_names)
    if not known and cache:
        return _extract_cached(text)
    return _extract(text, known)


@lru_cache(maxsize=EXTRACT_CACHE)
def _extract_cached(text: str) -> Slots:
    return _extract(text, ())


def _extract(raw: str, known: tuple[str, ...]) -> Slots:
    text = normalize_text(raw)
    taken: list[tuple[int, int]] = []
    dates = find_dates(text, taken)
    quantities = find_quantities(text, taken)
    names = find_names(text, taken, known)
    polarity = find_polarity(text)
    content = _content(text, taken)
    return Slots(
        text=text,
        dates=tuple(dates),
        quantities=tuple(quantities),
        names=tuple(names),
        polarity=polarity,
        content=frozenset(content),
        stems=frozenset({stem(w.lower()) for w in words(text)} | content),
    )


def _content(text: str, spans: list[tuple[int, int]]) -> set[str]:
    """Stems of the content words outside the dates and quantities (names' words count:
    they say who)."""
    out: set[str] = set()
    stops = stop_words("en")
    for match in MATCH_TOKEN.finditer(text):
        if any(s <= match.start() < e for s, e in spans):
            continue
        token = match.group(0).lower().replace("\u2019", "'").split("'")[0]
        if len(token) > 1 and token not in stops and not token.isdigit():
            out.add(stem(token))
    return out
