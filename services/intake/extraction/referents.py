"""Referents: what a short name or a description may refer to, and whether the article leaves
that open.

A *full name* is a person's (a PERSON mention of two words or more) or a thing's. A name is a
thing's, whatever label spaCy gave it, when it ends in a head noun or opens with a prefix of
``data/named_things.json`` (``… Space Telescope``, ``… Bridge``, ``… Foundation``, ``… Act``,
``USS …``): a telescope named after James E. Webb is not James E. Webb. :func:`mark_things`
corrects the entities of such names (the small model calls ``James Webb Space Telescope`` a
PERSON and misses ``John F. Kennedy International Airport``).

A *short name* (``Webb``) may refer to each full name it is the key of: a person's surname,
or the word before a thing's head noun. Its antecedents are the full names written before
it, because an article introduces a short form with its first full mention: ``Webb`` after
``The James Webb Space Telescope`` is the telescope, even where James E. Webb is named later.
A short name used before any full name (a headline) looks at the whole article. The context
narrows the type: a speech verb, ``who`` or a title after or before it makes it a person.
spaCy's label of a lone word is not used (the small model calls bare surnames ORG).

A *description* (``the telescope``) refers to the things named before it whose head noun it
is.

One antecedent: the rules rewrite the mention to it. Several: the article leaves it open, and
the rules keep the article's words and mark the claim as not stand-alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from services.intake.extraction.mentions import PERSON, Mention, SentenceInfo, surname
from services.intake.extraction.vocabulary import (
    SPEECH_VERBS,
    THING_DESCRIPTIONS,
    THING_HEADS,
    THING_HEADS_FIRST,
    THING_PREFIXES,
    THING_WRITTEN_SHORT,
    TITLES,
    stop_words,
)

PERSON_KIND: Final = "person"
MAX_HEAD_WORDS: Final = max(len(head.split()) for head in THING_HEADS)
_MAX_NAME_WORDS: Final = 8
_NAME_WORD: Final = r"[A-Z][\w.'\u2019-]*"
_NAME_RUN: Final = re.compile(rf"{_NAME_WORD}(?:[ \t]+(?:(?:&|and)[ \t]+)?{_NAME_WORD})+")
_CONNECTOR: Final = re.compile(r"[ \t]+(?:&|and)[ \t]+")
_LEADING_THE: Final = re.compile(r"^[Tt]he\s+")
_PERSON_AFTER: Final = re.compile(rf"\s+(?:{SPEECH_VERBS})\b|,?\s+who\b")
_WORD_BEFORE: Final = re.compile(r"([A-Za-z]+)\.?\s+$")
_FOLLOWING: Final = re.compile(rf"(?:[ \t]+[A-Za-z][\w-]*){{1,{MAX_HEAD_WORDS}}}")
_DETERMINERS: Final = frozenset({"the", "a", "an"})
_PERSON_TITLES: Final = TITLES - _DETERMINERS - {"and", "of"}
_MODIFIER_DETERMINERS: Final = _DETERMINERS | {
    "its", "his", "her", "their", "our", "my", "your", "this", "that", "these", "those"
}  # fmt: skip
"""Words after which a name followed by a head noun modifies it (``its Halvorsen probe``)."""
_LOWER_HEAD_NAME: Final = re.compile(
    r"\b[Tt]he\s+(?P<name>(?:[A-Z][\w'\u2019-]*\s+){1,3}(?P<head>[a-z][a-z-]*))\b"
)


@dataclass(frozen=True)
class Referent:
    """A full name of the article: who or what a short name or a description may mean."""

    name: str
    """As first written, without a leading ``The``: ``James Webb Space Telescope``."""
    written: str
    """As a rewrite writes it: ``the James Webb Space Telescope``."""
    kind: str
    """``person``, or the kind of thing of ``data/named_things.json`` (``artefact``...)."""
    label: str
    """The entity label of its first full mention (``PERSON``, ``PRODUCT``...)."""
    key: str | None
    """The word a short name uses (lower case), if any."""
    head: str
    """A thing's head noun (lower case): ``space telescope``; empty for people."""
    first: int
    """Article offset of the first full mention."""

    @property
    def person(self) -> bool:
        return self.kind == PERSON_KIND


def thing_of(name: str) -> tuple[str, str, str] | None:
    """``(kind, label, head)`` when ``name`` names a thing by its head noun or its prefix."""
    low = [w.lower().strip(",") for w in _LEADING_THE.sub("", name).split()]
    for n in range(min(MAX_HEAD_WORDS, len(low) - 1), 0, -1):
        head = " ".join(low[-n:])
        if head in THING_HEADS:
            kind, label = THING_HEADS[head]
            return kind, label, head
    prefix = low[0].rstrip(".") if len(low) > 1 else ""
    if prefix in THING_PREFIXES:
        kind, label = THING_PREFIXES[prefix]
        return kind, label, ""
    if len(low) > 2 and low[0] in THING_HEADS_FIRST and low[1] == "of":
        kind, label = THING_HEADS_FIRST[low[0]]
        return kind, label, low[0]  # "Ministry of Transport"
    return None


def _thing_key(name: str, head: str) -> str | None:
    words = _LEADING_THE.sub("", name).split()
    if head and words[0].lower() == head and head in THING_HEADS_FIRST:
        return None  # "Ministry of Transport": no short form
    before = words[: len(words) - len(head.split())] if head else words[1:]
    word = before[-1].strip(".,'\u2019") if before else ""
    return word.lower() if word[:1].isupper() else None


def _is_title_case(run: str) -> bool:
    """A headline in title case (``Trump Meets Putin At Airport``), not a name."""
    return any(w.lower() in stop_words("en") and w != "and" for w in run.split()[1:])


def _name_start(text: str, run: re.Match[str]) -> int:
    """Where the name in a run of capitalised words starts: after a leading ``The``, and
    after the last ``and`` unless ``the`` opens the run (``the Bill and Melinda Gates
    Foundation`` is one name, ``NASA and Kennedy Space Center`` two)."""
    start = run.start()
    the = _LEADING_THE.match(run.group())
    if the is not None:
        return start + the.end()
    if text[max(0, start - 4) : start].lower() == "the ":
        return start
    connectors = list(_CONNECTOR.finditer(text, start, run.end()))
    return connectors[-1].end() if connectors else start


def _run_mention(text: str, mentions: list[Mention], run: re.Match[str]) -> Mention | None:
    """The thing a run of capitalised words names, unless spaCy found it already."""
    start = _name_start(text, run)
    name = text[start : run.end()]
    thing = thing_of(name)
    if thing is None or len(name.split()) > _MAX_NAME_WORDS or _is_title_case(name):
        return None
    for m in mentions:
        if m.label != PERSON and m.start <= start and run.end() <= m.end and thing_of(m.text):
            return None  # spaCy found the thing already: its label stays
    return Mention(name, thing[1], start, run.end())


def _known_keys(sentences: list[SentenceInfo]) -> set[str]:
    """The words short names use: people's surnames, the words before things' heads."""
    keys: set[str] = set()
    for sent in sentences:
        for m in sent.mentions:
            if m.label == PERSON and " " in m.text:
                keys.add(surname(m.text))
            elif (thing := thing_of(m.text)) is not None:
                keys.add(_thing_key(m.text, thing[2]) or "")
    return keys


def _lower_head_names(text: str, sentences: list[SentenceInfo]) -> None:
    """``the Northern shipyard``: a name whose head noun the copy writes in lower case
    (translated or sentence-case copy), unless its words are a known name's short form
    (``the Webb telescope``, ``the Halvorsen probe``: a modifier, not a new thing)."""
    keys = _known_keys(sentences)
    for sent in sentences:
        for m in _LOWER_HEAD_NAME.finditer(text, sent.start, sent.end):
            head = m.group("head")
            words = text[m.start("name") : m.start("head")].split()
            if head not in THING_HEADS or any(w.lower() in keys for w in words):
                continue
            start, end = m.start("name"), m.end("name")
            inside = [x for x in sent.mentions if x.start < end and start < x.end]
            if any(x.start < start or x.end > m.start("head") for x in inside):
                continue  # an entity reaches beyond the name's capitalised words
            found = Mention(text[start:end], THING_HEADS[head][1], start, end)
            kept = [x for x in sent.mentions if x not in inside]  # "Baltic" (NORP) is in it
            sent.mentions = sorted([*kept, found], key=lambda x: x.start)


def mark_things(text: str, sentences: list[SentenceInfo]) -> None:
    """Give names of things their own entity (see the module docstring), in place."""
    _mark_capitalised_things(text, sentences)
    _lower_head_names(text, sentences)


def _mark_capitalised_things(text: str, sentences: list[SentenceInfo]) -> None:
    for sent in sentences:
        mentions = [
            Mention(m.text, thing[1], m.start, m.end)
            if m.label == PERSON and (thing := thing_of(m.text))
            else m
            for m in sent.mentions
        ]
        for run in _NAME_RUN.finditer(text, sent.start, sent.end):
            found = _run_mention(text, mentions, run)
            if found is not None:
                mentions = [m for m in mentions if m.end <= found.start or m.start >= found.end]
                mentions.append(found)
        sent.mentions = sorted(mentions, key=lambda m: m.start)


def person_cue(text: str, start: int, end: int) -> bool:
    """Whether the words around a short name make it a person: ``Webb said``, ``Webb, who``,
    ``Dr Webb``."""
    if _PERSON_AFTER.match(text, end):
        return True
    before = _WORD_BEFORE.search(text[max(0, start - 20) : start])
    return before is not None and before.group(1).lower() in _PERSON_TITLES


def in_compound(text: str, start: int, end: int) -> bool:
    """Whether the word ``text[start:end]`` is part of a compound noun: after a common noun
    (``space telescope``: a lower-case word after a lower-case word that is no stop word),
    or before a head noun, in a longer name (``Webb Space Telescope``) or after a determiner
    (``the Webb telescope``)."""
    following = _FOLLOWING.match(text, end)
    if following is not None:
        words = following.group().split()
        capitalised = words[0][:1].isupper()
        before = _WORD_BEFORE.search(text[max(0, start - 20) : start])
        determined = before is not None and before.group(1).lower() in _MODIFIER_DETERMINERS
        heads = (" ".join(words[:n]).lower() for n in range(1, len(words) + 1))
        if (capitalised or determined) and any(h in THING_HEADS for h in heads):
            return True
    if not text[start : start + 1].islower():
        return False
    before = _WORD_BEFORE.search(text[max(0, start - 40) : start])
    return before is not None and before.group(1).islower() and not _stop(before.group(1))


def _stop(word: str) -> bool:
    return word.lower() in stop_words("en")


class Referents:
    """The full names of one article, by key (see the module docstring)."""

    def __init__(self, text: str, sentences: list[SentenceInfo]) -> None:
        lower_case = set(re.findall(r"\b[a-z][a-z'-]*\b", text))
        found: dict[tuple[str, str, str], Referent] = {}
        for sent in sentences:
            for m in sent.mentions:
                made = _referent(text, m, lower_case)
                if made is not None:
                    found.setdefault(made[1], made[0])
        self.all = _one_per_person(found)
        self.by_key: dict[str, list[Referent]] = {}
        for ref in self.all:
            if ref.key is not None:
                self.by_key.setdefault(ref.key, []).append(ref)

    def antecedents(self, word: str, at: int, *, person: bool = False) -> list[Referent]:
        """The full names a short name ``word`` at offset ``at`` may refer to (only people
        when ``person``)."""
        key = surname(word) if word.split() else ""
        found = [r for r in self.by_key.get(key, []) if r.person or not person]
        before = [r for r in found if r.first < at]
        return before or found

    def described(self, noun: str, at: int) -> list[Referent] | None:
        """The things named before ``at`` that ``the <noun>`` may refer to; None when no
        thing of the article has that head noun."""
        things = [
            r
            for r in self.all
            if r.head == noun
            or r.head.endswith(" " + noun)
            or noun in THING_DESCRIPTIONS.get(r.head, ())
        ]
        return [r for r in things if r.first < at] if things else None


def _given_name(words: list[str]) -> str:
    """The first word of a person's name that is no title (``Presidents Trump``: none)."""
    for word in words:
        low = word.lower().rstrip(".")
        if low not in TITLES and low.removesuffix("s") not in TITLES:
            return low
    return ""


def _one_per_person(found: dict[tuple[str, str, str], Referent]) -> list[Referent]:
    """The referents, where a name without a given name (the model's ``Presidents Trump``)
    is the same person as one with a given name and the same surname."""
    named = {key for kind, key, given in found if kind == PERSON_KIND and given}
    kept = [
        ref
        for (kind, key, given), ref in found.items()
        if kind != PERSON_KIND or given or key not in named
    ]
    return sorted(kept, key=lambda r: r.first)


def _referent(
    text: str, m: Mention, lower_case: set[str]
) -> tuple[Referent, tuple[str, str, str]] | None:
    """The referent ``m`` names and what makes two of its mentions the same one."""
    words = m.text.split()
    if m.label == PERSON:
        if len(words) < 2:
            return None
        last = surname(m.text)
        ref = Referent(m.text, m.text, PERSON_KIND, PERSON, last, "", m.start)
        return ref, (PERSON_KIND, last, _given_name(words[:-1]))
    thing = thing_of(m.text)
    if thing is None:
        return None
    kind, _label, head = thing
    key = _thing_key(m.text, head)
    if key is not None and (key in lower_case or m.text.split()[-1].islower()):
        # a word the article also writes in lower case is no name, nor is the word before a
        # head the copy writes in lower case ("the Northern shipyard"): no short form
        key = None
    name = _LEADING_THE.sub("", m.text)
    the = _LEADING_THE.match(m.text) or text[max(0, m.start - 4) : m.start].lower() == "the "
    written = ("the " if the else "") + name
    if head in THING_WRITTEN_SHORT and len(name.split()) > len(head.split()):
        # "Hallstadt FC" is "Hallstadt" once named: its short name is already the name
        key, written = None, " ".join(name.split()[: -len(head.split())])
    ref = Referent(name, written, kind, m.label, key, head, m.start)
    return ref, (kind, key or name.lower(), head)
