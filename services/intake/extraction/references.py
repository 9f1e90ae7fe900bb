"""Pronouns and short references replaced by whom or what they refer to.

* **Pronouns.** A sentence-initial ``He``/``She`` (``His``/``Her``) is the most recent
  PERSON before it that was a subject (first person named in its sentence, or the one who
  ``said`` something); ``They`` is the article's two leading people when the sentence
  before named both (or referred to them together).
* **Plural references.** ``the two leaders``, ``both presidents``, ``the presidents``...
  are the article's two leading people.
* **Roles.** ``the US President``, ``the head of the White House``: the person the article
  introduced with that role, unless the name follows right away.
* **Countries.** ``the two countries`` are the two of ``the presidents of X and Y``; ``the
  Russian leader`` is the leader the article names for Russia.
* **Surnames.** A surname alone (``Putin``) is written out in full.
"""

from __future__ import annotations

import re
from typing import Final

from services.intake.extraction.article_index import ArticleIndex
from services.intake.extraction.edits import Edits
from services.intake.extraction.lexicon import ROLES
from services.intake.extraction.mentions import PERSON, SentenceInfo, person_after, surname

PLURAL_REF: Final = re.compile(
    r"\b(?:the two leaders|both leaders|the two presidents|both presidents|the presidents|"
    r"the leaders)\b(?!\s+of\b)",
    re.IGNORECASE,
)
_PRONOUN: Final = re.compile(r"(?P<p>He|She|His|Her|They|Their)\b")
_ROLE_PHRASE: Final = re.compile(
    r"\b(?:the\s+)?(?:" + "|".join(re.escape(v) for vs in ROLES.values() for v in vs) + r")\b",
    re.IGNORECASE,
)
_TWO_COUNTRIES: Final = re.compile(r"\b(?:the\s+)?(?:two|both)\s+countries\b", re.IGNORECASE)
_DEMONYM_LEADER: Final = re.compile(
    r"\b[Tt]he\s+(?P<dem>[A-Z][\w.]*(?:\s+Korean)?)\s+(?:leader|president|head of state)\b"
)


class References:
    """Finds the edits that resolve pronouns and short references in one article."""

    def __init__(self, text: str, sentences: list[SentenceInfo], index: ArticleIndex) -> None:
        self.text = text
        self.sentences = sentences
        self.index = index

    def pronoun(self, sent: SentenceInfo, body_start: int, edits: Edits) -> None:
        """Replace the pronoun that opens the sentence body, when it can be resolved."""
        m = _PRONOUN.match(self.text, body_start, sent.end)
        if m is None:
            return
        word = m.group("p")
        if word in ("He", "She", "His", "Her"):
            name = self.index.recent_subject(sent.start)
            if name is not None:
                suffix = "\u2019s" if word in ("His", "Her") else ""
                edits.add(m.start(), m.end(), name + suffix)
            return
        pair = self.index.pair_text
        if pair is not None and self._previous_names_the_pair(sent):
            edits.add(m.start(), m.end(), pair + ("\u2019" if word == "Their" else ""))

    def _previous_names_the_pair(self, sent: SentenceInfo) -> bool:
        previous = [s for s in self.sentences if s.end <= sent.start]
        if not previous:
            return False
        before = previous[-1]
        names = {surname(n) for n in self.index.pair or ()}
        named = {surname(m.text) for m in before.mentions if m.label == PERSON}
        return bool(PLURAL_REF.search(self.text[before.start : before.end])) or names <= named

    def references(self, sent: SentenceInfo, start: int, end: int, edits: Edits) -> None:
        """Resolve the short references in ``text[start:end]`` (part of ``sent``)."""
        self._plural(start, end, edits)
        self._roles(sent, start, end, edits)
        self._countries(start, end, edits)
        self._leaders(sent, start, end, edits)
        self._surnames(sent, start, end, edits)

    def _plural(self, start: int, end: int, edits: Edits) -> None:
        pair = self.index.pair_text
        if pair:
            for m in PLURAL_REF.finditer(self.text, start, end):
                edits.add(m.start(), m.end(), pair)

    def _roles(self, sent: SentenceInfo, start: int, end: int, edits: Edits) -> None:
        for m in _ROLE_PHRASE.finditer(self.text[start:end]):
            r_start, r_end = start + m.start(), start + m.end()
            if person_after(sent.mentions, r_end):
                continue  # already followed by the name
            person = self.index.role(m.group())
            if person:
                edits.add(r_start, r_end, person)

    def _countries(self, start: int, end: int, edits: Edits) -> None:
        countries = self.index.countries_text
        if countries:
            for m in _TWO_COUNTRIES.finditer(self.text, start, end):
                edits.add(m.start(), m.end(), countries)

    def _leaders(self, sent: SentenceInfo, start: int, end: int, edits: Edits) -> None:
        for m in _DEMONYM_LEADER.finditer(self.text, start, end):
            if person_after(sent.mentions, m.end()):
                continue  # "the Russian President Vladimir Putin": already named
            leader = self.index.leader_of(m.group("dem"))
            if leader:
                edits.add(m.start(), m.end(), leader)

    def _surnames(self, sent: SentenceInfo, start: int, end: int, edits: Edits) -> None:
        for mention in sent.mentions:
            if mention.label != PERSON or mention.start < start or mention.end > end:
                continue
            full = self.index.name_of(mention)
            if full != mention.text and full.lower().endswith(mention.text.lower()):
                edits.add(mention.start, mention.end, full)
