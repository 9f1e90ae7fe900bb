"""The words and tables the extraction rules know, read once from ``data/``.

World knowledge (offices and the countries they lead, demonyms, titles, the head nouns that
make a name a thing and not a person) lives in JSON files
beside this module, each with a ``_comment`` on what it holds and where it comes from; the
stop words are spaCy's (:func:`shared.text.words.stop_words`) plus the few extras of
``data/stop_words.json``. English grammar the rules match on (reporting verbs, weekday and
month names) stays here, next to the patterns built from it.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Final

from shared.text.words import stop_words as spacy_stop_words

DATA_DIR: Final = Path(__file__).resolve().parent / "data"


def load_data(name: str) -> dict[str, Any]:
    """The JSON object of ``data/<name>.json``."""
    loaded: dict[str, Any] = json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def _roles() -> dict[str, dict[str, Any]]:
    roles: dict[str, dict[str, Any]] = load_data("roles")["roles"]
    return roles


ROLES: Final[dict[str, tuple[str, ...]]] = {
    role: tuple(entry["phrases"]) for role, entry in _roles().items()
}
"""Role -> the phrases (lower case) that name it, in the data file's order."""
ROLE_COUNTRY: Final[dict[str, str]] = {
    role: str(entry["country"]) for role, entry in _roles().items()
}
"""Role -> the country (lower case) its holder leads."""
COUNTRY_OF: Final[dict[str, str]] = dict(load_data("demonyms")["countries"])
"""Demonym or short form (lower case) -> the country's name (lower case)."""
TITLES: Final = frozenset(load_data("titles")["titles"])
"""Words that precede a name without being part of it."""


def _named_things() -> dict[str, dict[str, Any]]:
    kinds: dict[str, dict[str, Any]] = load_data("named_things")["kinds"]
    return kinds


THING_HEADS: Final[dict[str, tuple[str, str]]] = {
    head: (kind, str(entry["label"]))
    for kind, entry in _named_things().items()
    for head in entry["heads"]
}
"""Head noun (lower case, one or more words) -> the kind of thing a name ending in it names
and the entity label it gets (``space telescope`` -> ``("artefact", "PRODUCT")``)."""
THING_PREFIXES: Final[dict[str, tuple[str, str]]] = {
    prefix: (kind, str(entry["label"]))
    for kind, entry in _named_things().items()
    for prefix in entry.get("prefixes", [])
}
"""Prefix (lower case) that opens a thing's name (``uss``) -> its kind and label."""
THING_HEADS_FIRST: Final[dict[str, tuple[str, str]]] = {
    head: (kind, str(entry["label"]))
    for kind, entry in _named_things().items()
    for head in entry.get("head_first", [])
}
"""Head noun (lower case) that opens a thing's name before ``of`` (``Ministry of
Transport``) -> its kind and label."""
THING_DESCRIPTIONS: Final[dict[str, frozenset[str]]] = {
    head: frozenset(entry.get("described_as", []))
    for entry in _named_things().values()
    for head in entry["heads"]
}
"""Head noun -> the other nouns a description of such a thing may use (``fc``: ``club``)."""
THING_WRITTEN_SHORT: Final = frozenset(
    head
    for entry in _named_things().values()
    if entry.get("written_without_head")
    for head in entry["heads"]
)
"""Head nouns of names an article writes without them once named (``Hallstadt FC``:
``Hallstadt``)."""
WARMUP_SENTENCE: Final[str] = load_data("warmup")["sentence"]
"""What the intake's extractor analyses once before its first article."""

SPEECH_VERBS: Final = (
    "said|says|say|told|tells|stressed|stresses|explained|explains|declared|declares|"
    "stated|states|noted|notes|added|adds|announced|announces|reiterated|reiterates|"
    "claimed|claims|insisted|insists|argued|argues|believes|believe|believed|thinks|think|"
    "thought|feels|feel|felt|warned|warns|promised|promises|agreed|agree|denied|denies|"
    "admitted|admits|wrote|writes|emphasized|emphasised|urged|urges|confirmed|confirms|"
    "found it necessary to declare|assured|assures|accused|accuses|reported|reports"
)
"""Verbs of speech, thought and feeling, as a regex alternation."""
WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS: Final = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@functools.cache
def stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop words of ``lang`` and the extras ``data/stop_words.json`` adds to them."""
    extras: list[str] = load_data("stop_words").get(lang, [])
    return spacy_stop_words(lang) | frozenset(extras)
