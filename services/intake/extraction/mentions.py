"""What the stand-alone rules work on: entity mentions and sentences in article coordinates.

Plain strings and offsets, no spaCy objects, so that each rule can be tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

PERSON: Final = "PERSON"


@dataclass(frozen=True)
class Mention:
    """A named entity in article coordinates: ``article[start:end] == text``."""

    text: str
    label: str
    start: int
    end: int


@dataclass
class SentenceInfo:
    """One sentence with what the rules need to know about it."""

    start: int
    end: int
    paragraph: int
    quoted: bool
    mentions: list[Mention] = field(default_factory=list)


@dataclass(frozen=True)
class Standalone:
    """A sentence rewritten to read on its own, and who (if anyone) says it."""

    text: str
    speaker: str | None
    attributed: bool
    quote: tuple[int, int] | None = None
    """Article offsets of the quoted words, for a quoted sentence with a known speaker."""
    in_context: str = ""
    """The sentence as written with its references and dates resolved (no attribution cut,
    no speaker frame): what the check-worthiness model scores."""
    unresolved: tuple[str, ...] = ()
    """References left as written because the article leaves open what they refer to
    (``Webb`` after both the telescope and James E. Webb) or gives them no date."""

    @property
    def stand_alone(self) -> bool:
        """Whether ``text`` reads on its own: no reference was left unresolved."""
        return not self.unresolved


def surname(name: str) -> str:
    """The key a person is known by across the article: the last word, in lower case."""
    return name.split()[-1].lower().strip(".,'\u2019")


def person_after(mentions: list[Mention], end: int) -> bool:
    """Whether a PERSON starts right after ``end`` (at most one character between)."""
    return any(m.label == PERSON and 0 <= m.start - end <= 1 for m in mentions)
