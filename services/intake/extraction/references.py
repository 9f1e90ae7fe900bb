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
* **Short names and descriptions** of things (``Webb``, ``the telescope`` after ``The James
  Webb Space Telescope``) are written out as the article first named the thing.

A short name or a description is rewritten only to the one antecedent of a compatible type
(:mod:`~services.intake.extraction.referents`), never inside a compound noun (``the most
powerful space telescope`` stays); where several antecedents are possible its words are
kept and reported as unresolved, so that the claim is marked as not stand-alone.
"""

from __future__ import annotations

import re
from typing import Final

from services.intake.extraction.article_index import ArticleIndex
from services.intake.extraction.edits import Edits
from services.intake.extraction.mentions import (
    PERSON,
    Mention,
    SentenceInfo,
    person_after,
    surname,
)
from services.intake.extraction.referents import (
    MAX_HEAD_WORDS,
    Referent,
    Referents,
    in_compound,
    person_cue,
)
from services.intake.extraction.vocabulary import ROLES

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
_DESCRIPTION: Final = re.compile(
    rf"\b(?P<det>[Tt]he|[Tt]his)(?P<noun>(?:\s+[a-z][a-z-]*){{1,{MAX_HEAD_WORDS}}})"
)
_NAME: Final = re.compile(r"\b[A-Z][A-Za-z-]*\b")
_WORD: Final = re.compile(r"[a-z][a-z-]*")
_DEMONYM_LEADER: Final = re.compile(
    r"\b[Tt]he\s+(?P<dem>[A-Z][\w.]*(?:\s+Korean)?)\s+(?:leader|president|head of state)\b"
)


class References:
    """Finds the edits that resolve pronouns and short references in one article."""

    def __init__(
        self,
        text: str,
        sentences: list[SentenceInfo],
        index: ArticleIndex,
        referents: Referents,
    ) -> None:
        self.text = text
        self.sentences = sentences
        self.index = index
        self.referents = referents

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

    def references(
        self, sent: SentenceInfo, start: int, end: int, edits: Edits, unresolved: list[str]
    ) -> None:
        """Resolve the short references in ``text[start:end]`` (part of ``sent``); those it
        cannot resolve with confidence go to ``unresolved``."""
        self._plural(start, end, edits)
        self._roles(sent, start, end, edits)
        self._countries(start, end, edits)
        self._leaders(sent, start, end, edits)
        self._descriptions(start, end, edits, unresolved)
        self._surnames(sent, start, end, edits)
        self._short_names(sent, start, end, edits, unresolved)

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
        """A person's name written in part or in the wrong case (``Donald trump``)."""
        for mention in sent.mentions:
            if mention.label != PERSON or mention.start < start or mention.end > end:
                continue
            if " " not in mention.text:
                continue  # a short name: see _short_names
            full = self.index.name_of(mention)
            if full != mention.text and full.lower().endswith(mention.text.lower()):
                edits.add(mention.start, mention.end, full)

    def _descriptions(self, start: int, end: int, edits: Edits, unresolved: list[str]) -> None:
        """``the telescope``: the one thing named before it with that head noun."""
        for m in _DESCRIPTION.finditer(self.text, start, end):
            words = list(_WORD.finditer(self.text, m.start("noun"), m.end("noun")))
            for n in range(len(words), 0, -1):
                noun = " ".join(w.group() for w in words[:n])
                found = self.referents.described(noun, m.start())
                if found is not None:
                    capital = m.group("det")[:1].isupper()
                    self._rewrite(
                        m.start(), words[n - 1].end(), found, edits, unresolved, capital=capital
                    )
                    break

    def _short_names(
        self, sent: SentenceInfo, start: int, end: int, edits: Edits, unresolved: list[str]
    ) -> None:
        """A one-word name: the person or the thing it can only mean (see
        :mod:`~services.intake.extraction.referents`)."""
        for s, e in self._short_name_spans(sent, start, end):
            word = self.text[s:e]
            known = word.split() and self.referents.by_key.get(surname(word))
            if not known or in_compound(self.text, s, e):
                continue
            found = self.referents.antecedents(word, s, person=person_cue(self.text, s, e))
            if len(found) == 1 and found[0].person:
                full = self.index.name_of(Mention(word, PERSON, s, e))
                if full != word and full.lower().endswith(word.lower()):
                    edits.add(s, e, full)
            else:
                self._rewrite(s, e, found, edits, unresolved, capital=False)

    def _short_name_spans(self, sent: SentenceInfo, start: int, end: int) -> list[tuple[int, int]]:
        """One-word PERSONs, and capitalised words outside longer entities."""
        spans = {
            (m.start, m.end)
            for m in sent.mentions
            if m.label == PERSON and " " not in m.text and start <= m.start and m.end <= end
        }
        longer = [(m.start, m.end) for m in sent.mentions if " " in m.text]
        for w in _NAME.finditer(self.text, start, end):
            if not any(s <= w.start() < e for s, e in (*longer, *spans)):
                spans.add((w.start(), w.end()))
        return sorted(spans)

    def _rewrite(
        self,
        start: int,
        end: int,
        found: list[Referent],
        edits: Edits,
        unresolved: list[str],
        *,
        capital: bool,
    ) -> None:
        """``text[start:end]`` written as the one thing it refers to; kept and reported
        when it may refer to several referents."""
        if len(found) > 1:
            if edits.add(start, end, self.text[start:end]):  # unless another rule resolved it
                unresolved.append(self.text[start:end])
            return
        if len(found) != 1 or found[0].person:
            return
        written = found[0].written
        if self.text[max(0, start - 4) : start].lower() == "the ":
            written = found[0].name  # "the Webb": the article is there already
        edits.add(start, end, written[:1].upper() + written[1:] if capital else written)
