"""Names in a statement: people, organisations, places, vehicles and products.

A name is a run of capitalised words, with the connectors names use inside ("Sea of
Tranquility", "Edwin 'Buzz' Aldrin"), a number glued to it ("Apollo 11") or a code
("SA-506"). Commas part names ("Wapakoneta, Ohio" is two). The first word of a sentence
counts only when the run goes on ("Neil Armstrong was") or the caller knows it as a name
(a knowledge base's titles). Titles ("President", "Dr") and possessives are not part of a
name's key, so "President Joe Biden" and "Biden" meet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from shared.slots.model import NameSlot, Span, overlaps
from shared.text.words import stop_words

_TOKEN = re.compile(r"[A-Z][\w\u2019'.&-]*(?:\s+[0-9][\w-]*)?|'[A-Z]\w*'|[A-Z]{1,3}-\d+")
_CONNECTORS = frozenset(
    {"of", "the", "de", "da", "del", "der", "van", "von", "la", "le", "al", "bin", "du", "y"}
)
_TITLES = frozenset(
    {
        "president",
        "dr",
        "dr.",
        "mr",
        "mr.",
        "mrs",
        "mrs.",
        "ms",
        "ms.",
        "sir",
        "dame",
        "prof",
        "prof.",
        "professor",
        "senator",
        "governor",
        "mayor",
        "king",
        "queen",
        "prince",
        "princess",
        "pope",
        "general",
        "captain",
        "commander",
        "astronaut",
        "flight",
        "director",
        "minister",
        "prime",
        "chancellor",
        "judge",
        "justice",
        "saint",
        "st",
        "st.",
        "lord",
        "lady",
    }
)
_DETERMINERS = frozenset({"the", "a", "an", "its", "their", "his", "her"})
_SKIP_WORDS = frozenset(
    {
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "i",
    }
)
_WORD = re.compile(r"[\w\u2019']+|[^\w\s]")
_POSSESSIVE = re.compile(r"'s\b")


def name_key(text: str) -> tuple[str, ...]:
    """A name's folded tokens, without titles, possessives, quotes and the lower-case words
    glued to it ("Spielberg-directed" is Spielberg)."""
    tokens = []
    raws = re.findall(r"\w+(?:\.\w+)*", _POSSESSIVE.sub("", text.replace("\u2019", "'")))
    if any(r[:1].isupper() or r[:1].isdigit() for r in raws):
        raws = [r for r in raws if not r[:1].islower() or r in _CONNECTORS]
    for raw in raws:
        token = raw.casefold().strip("'")
        if token.endswith("'s"):
            token = token[:-2]
        if token and token not in _TITLES and token not in _CONNECTORS:
            tokens.append(token)
    return tuple(tokens)


def find_names(
    text: str, taken: list[tuple[int, int]], known: Iterable[str] = ()
) -> list[NameSlot]:
    """Names in ``text`` outside the ``taken`` spans (dates and quantities)."""
    known_keys = {name_key(k) for k in known}
    spans = _runs(text, taken)
    found: list[NameSlot] = []
    for start, end in spans:
        raw = text[start:end].strip(" ,'\u2019").rstrip(".")
        first_word = start == 0 or text[:start].rstrip().endswith((".", "!", "?", '"', "“"))
        words_in_run = raw.split()
        key = name_key(raw)
        if not key or all(t in _SKIP_WORDS for t in key):
            continue
        if first_word and len(words_in_run) == 1 and key not in known_keys:
            continue  # a capitalised first word alone is a sentence start, not a name
        if first_word and words_in_run[0].lower() in stop_words("en"):
            rest = raw[len(words_in_run[0]) :].strip()
            if not rest:
                continue
            start = text.index(rest, start)
            raw, key = rest, name_key(rest)
        found.append(
            NameSlot(
                span=Span(start, start + len(raw), " ".join(raw.split())),
                key=key,
                before=_neighbour(text[:start], last=True),
                after=_neighbour(text[start + len(raw) :], last=False),
            )
        )
    return found


def _runs(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans of capitalised runs (connectors inside kept, trailing ones dropped)."""
    runs: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    pending: tuple[int, int] | None = None  # a connector that may continue the run
    for match in re.finditer(r"[\w\u2019'.&-]+|,|[^\w\s]", text):
        token, start, end = match.group(0), match.start(), match.end()
        capital = bool(_TOKEN.fullmatch(token)) or (token[:1].isupper() and token[:1].isalpha())
        glued_number = (
            current is not None
            and token[:1].isdigit()
            and pending is None
            and text[current[1] : start].strip() == ""
        )
        if (
            (capital or glued_number)
            and not overlaps(start, end, taken)
            and token.lower() not in _SKIP_WORDS
        ):
            current = (current[0], end) if current is not None else (start, end)
            pending = None
        elif current is not None and token.lower() in _CONNECTORS and pending is None:
            pending = (start, end)
        else:
            if current is not None:
                runs.append(current)
            current, pending = None, None
    if current is not None:
        runs.append(current)
    return runs


def _neighbour(text: str, *, last: bool) -> str:
    """The nearest word before or after a name, determiners skipped; a comma counts with the
    word beyond it ("wapakoneta," for "Wapakoneta, Ohio")."""
    tokens: list[str] = _WORD.findall(text[-40:] if last else text[:40])
    ordered = list(reversed(tokens) if last else tokens)
    for n, token in enumerate(ordered):
        lower = token.lower()
        if lower == ",":
            beyond = next((t.lower() for t in ordered[n + 1 :] if t[0].isalnum()), "")
            return f"{beyond}," if last else f",{beyond}"
        if lower in _DETERMINERS or (not lower[0].isalnum() and lower != ","):
            if lower in {".", "!", "?", ";", ":"}:
                return ""  # the sentence (or clause) ends: no neighbour
            continue
        return lower
    return ""
