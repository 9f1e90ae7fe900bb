"""What the stand-alone rules know about a whole article: its people, roles and documents.

* **Names.** Mentions sharing a surname are one person, named by the longest form,
  capitalised as the article capitalises it elsewhere (``Donald Trump``).
* **The leading pair.** When two PERSONs dominate the article (together at least 60 % of
  the person mentions, each at least twice), they are who ``the two leaders`` and
  ``They`` refer to, in the order the article first names them.
* **Roles.** The person the article introduces with a role phrase of ``data/roles.json``
  (``The US President Donald Trump``).
* **Countries and leaders.** The two countries of ``the presidents of X and Y``; the
  leader of each country, from the roles, or by elimination when the article is about two
  leaders of two countries and one of them is known.
* **Documents.** Where the article mentions a statement, declaration, report...
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Final

from services.intake.extraction.mentions import PERSON, Mention, SentenceInfo, surname
from services.intake.extraction.vocabulary import COUNTRY_OF, ROLE_COUNTRY, ROLES, SPEECH_VERBS

PAIR_SHARE: Final = 0.6
"""The share of person mentions the two leading people must have together."""
PAIR_MIN_MENTIONS: Final = 2

_CAPITALISED_WORD: Final = re.compile(r"\b[A-Z][\w'-]*\b")
_SAID_BEFORE: Final = re.compile(rf"(?:{SPEECH_VERBS})\s+$")
_COUNTRY_PAIR: Final = re.compile(
    r"\b(?:presidents|leaders|heads of state|prime ministers|governments)\s+of\s+"
    r"(?:the\s+)?(?P<a>[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*)\s+and\s+(?:the\s+)?"
    r"(?P<b>[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*)"
)
_DOCUMENT: Final = re.compile(
    r"\b(?:joint\s+)?(?:statement|document|declaration|communiqu[eé]|report)"
    r"(?:\s+on\s+[A-Z][\w-]+)?",
)
_ROLE_ARTICLE: Final = re.compile(r"^(?:the|a)\s+")


def _full_name(variants: list[str], capitalised: set[str]) -> str:
    longest = max(variants, key=lambda v: (len(v.split()), v[:1].isupper()))
    words = [
        w.capitalize() if w.islower() and w.capitalize() in capitalised else w
        for w in longest.split()
    ]
    return " ".join(words)


def _country_pair(text: str) -> tuple[str, str] | None:
    """The two countries of "the presidents of X and Y", as the article names them."""
    m = _COUNTRY_PAIR.search(text)
    if m is None:
        return None
    a, b = m.group("a"), m.group("b")
    return ("the " + a if a.lower() == "united states" else a), b


class ArticleIndex:
    """What the rules know about the whole article (see the module docstring)."""

    def __init__(self, text: str, sentences: list[SentenceInfo]) -> None:
        self.text = text
        self.sentences = sentences
        self.person_counts: Counter[str] = Counter()
        self.person_mentions: list[tuple[int, str, bool]] = []  # (offset, key, subject-ish)
        forms = self._collect_people(text, sentences)
        capitalised = set(_CAPITALISED_WORD.findall(text))
        self.names = {key: _full_name(variants, capitalised) for key, variants in forms.items()}
        self._shared = {
            key
            for key, variants in forms.items()
            if len({v.lower() for v in variants if len(v.split()) == 2}) > 1
        }
        """Surnames two people of the article share (``Mikhail Orlov``, ``Dmitry Orlov``)."""
        self._forms = {
            offset: _full_name([form], capitalised) for offset, form in self._mention_forms
        }
        self.pair = self._leading_pair()
        self.roles = self._roles(text)
        self.documents = [(m.start(), m.group()) for m in _DOCUMENT.finditer(text)]
        self.countries = _country_pair(text)
        self.leaders = self._leaders_by_country()

    def _collect_people(self, text: str, sentences: list[SentenceInfo]) -> dict[str, list[str]]:
        """Surname -> the forms the article writes; counts and subject-like mentions."""
        forms: dict[str, list[str]] = {}
        self._mention_forms: list[tuple[int, str]] = []
        for sent in sentences:
            first = True
            for m in sent.mentions:
                if m.label != PERSON:
                    continue
                key = surname(m.text)
                forms.setdefault(key, []).append(m.text)
                self._mention_forms.append((m.start, m.text))
                self.person_counts[key] += 1
                said = _SAID_BEFORE.search(text[max(sent.start, m.start - 30) : m.start])
                self.person_mentions.append((m.start, key, first or said is not None))
                first = False
        return forms

    def _leading_pair(self) -> tuple[str, str] | None:
        total = sum(self.person_counts.values())
        top = self.person_counts.most_common(2)
        if len(top) != 2 or top[1][1] < PAIR_MIN_MENTIONS:
            return None
        if top[0][1] + top[1][1] < PAIR_SHARE * total:
            return None
        first_seen = {k: min(o for o, kk, _ in self.person_mentions if kk == k) for k, _ in top}
        a, b = sorted([top[0][0], top[1][0]], key=lambda k: first_seen[k])
        return self.names[a], self.names[b]

    def _roles(self, text: str) -> dict[str, str]:
        """Role -> the person the article first names right after one of its phrases."""
        roles: dict[str, str] = {}
        lowered = text.lower()
        for role, phrases in ROLES.items():
            for phrase in phrases:
                for found in re.finditer(re.escape(phrase) + r"\s+", lowered):
                    nxt = self._person_at(found.end())
                    if nxt is not None:
                        roles.setdefault(role, nxt)
        return roles

    def _leaders_by_country(self) -> dict[str, str]:
        """Country (lower case) -> the leader the article names for it."""
        leaders = {
            ROLE_COUNTRY[role]: person
            for role, person in self.roles.items()
            if role in ROLE_COUNTRY
        }
        if not (self.pair and self.countries):
            return leaders
        countries = [c.lower().removeprefix("the ") for c in self.countries]
        for i, country in enumerate(countries):
            other = countries[1 - i]
            if country in leaders and other not in leaders:
                known = leaders[country]
                if known in self.pair:
                    leaders[other] = self.pair[1 - self.pair.index(known)]
        return leaders

    def _person_at(self, offset: int) -> str | None:
        for sent in self.sentences:
            if sent.start <= offset < sent.end:
                for m in sent.mentions:
                    if m.label == PERSON and m.start == offset:
                        return self.names.get(surname(m.text))
        return None

    def leader_of(self, demonym: str) -> str | None:
        """``Russian`` -> the Russian leader the article names, if it names one."""
        low = demonym.lower()
        return self.leaders.get(COUNTRY_OF.get(low, low))

    @property
    def countries_text(self) -> str | None:
        """``Russia and the United States``, when the article names a pair of countries."""
        return f"{self.countries[0]} and {self.countries[1]}" if self.countries else None

    def name_of(self, mention: Mention) -> str:
        """The full name of the person ``mention`` names (its own text if unknown)."""
        return self.names.get(surname(mention.text), mention.text)

    @property
    def pair_text(self) -> str | None:
        """``Donald Trump and Vladimir Putin``, when two people lead the article."""
        return f"{self.pair[0]} and {self.pair[1]}" if self.pair else None

    def recent_subject(self, before: int) -> str | None:
        """The most recent subject-like PERSON before ``before`` (else any PERSON)."""
        earlier = [(o, k, subj) for o, k, subj in self.person_mentions if o < before]
        for pick_subject in (True, False):
            for offset, key, subject in reversed(earlier):
                if subject or not pick_subject:
                    return self._named_at(offset, key)
        return None

    def _named_at(self, offset: int, key: str) -> str:
        """The person a mention names: its own full form where two people share the
        surname (``Dmitry Orlov`` is not ``Mikhail Orlov``), else the article's full name."""
        own = self._forms.get(offset, "")
        if key in self._shared and len(own.split()) > 1:
            return own
        return self.names[key]

    def role(self, phrase: str) -> str | None:
        """The person a role phrase (``the US President``) names in this article."""
        cleaned = _ROLE_ARTICLE.sub("", phrase.strip().lower())
        for role, variants in ROLES.items():
            if cleaned in variants:
                return self.roles.get(role)
        return None

    def document_before(self, offset: int) -> str | None:
        """The most specific document phrase (``joint statement on Syria``) before offset."""
        found = [p for o, p in self.documents if o < offset]
        if not found:
            return None
        best = max(found, key=lambda p: (" on " in p, p.startswith("joint"), len(p)))
        return "the " + best
