"""Stand-alone claim text: rules over spaCy's entities, so that a worker that sees only the
claim can check it.

Everything here is plain string and offset work over :class:`Mention` lists (no spaCy
objects), so each rule is testable on its own. The rules, in the order they apply:

1. **Entity repair** (:func:`repair_mentions`). The small English model misses names
   written in lower case (``Donald trump``), glues first names to organisations (``the
   Kremlin Dmitry`` + ``Peskov``) and calls a bare surname an ORG. A PERSON is extended by
   a following lower-case word that the article also writes capitalised, and by a
   preceding capitalised word that is not a title; a one-word entity or bare word equal to
   the surname of a full name seen elsewhere becomes a PERSON.
2. **Names** (:class:`ArticleIndex`). Mentions sharing a surname are one person, named by
   the longest form, capitalised as the article capitalises it elsewhere (``Donald
   Trump``). A surname alone (``Putin``) is written out in full.
3. **Pronouns.** A sentence-initial ``He``/``She`` (``His``/``Her``) is the most recent
   PERSON before it that was a subject (first person named in its sentence, or the one who
   ``said`` something); ``They`` is the article's two leading people when the sentence
   before named both (or referred to them together).
4. **Short references.** ``the two leaders``, ``both presidents``, ``the presidents``... are
   the article's two leading people when two PERSONs dominate it (together at least 60 % of
   the person mentions, each at least twice); role phrases (``the US President``, ``the
   head of the White House``) are the person the article introduced with that role
   (``The US President Donald Trump``). ``the two countries`` are the two of ``the
   presidents of X and Y``; ``the Russian leader`` is the leader the article names for
   Russia, directly or by elimination (two leaders of two countries, one of them known).
5. **Dates**, given the publication date: ``on Saturday`` is the last Saturday on or before
   it, ``yesterday``/``today``/``tomorrow``, ``last``/``this``/``next`` ``week``/``month``/
   ``year`` are written out (``on 11 November 2017``, ``in October 2017``).
6. **Speakers.** A quoted sentence takes its speaker from the attribution in its
   paragraph (``"...," said Donald Trump``; ``"...", - the document says``); other sentences
   from ``According to X,`` or a subject before a speech, thought or feeling verb (``X told
   CNN that``, ``X stressed``, ``X feels``). A sentence with a speaker, or in quotes, is an
   *attributed* statement: what someone says, not a fact about the world. The attribution
   clause after a quote is cut from ``text`` (it is in ``speaker``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final

PERSON: Final = "PERSON"
_TITLES: Final = frozenset(
    [
        "president",
        "vice",
        "secretary",
        "minister",
        "chancellor",
        "premier",
        "prime",
        "mr",
        "mrs",
        "ms",
        "dr",
        "sir",
        "lady",
        "lord",
        "king",
        "queen",
        "prince",
        "general",
        "senator",
        "governor",
        "mayor",
        "judge",
        "pope",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "press",
        "chief",
        "director",
        "ambassador",
        "leader",
        "the",
        "a",
        "an",
        "and",
        "of",
    ]
)
_STOP: Final = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "is",
        "was",
        "are",
        "were",
        "be",
        "been",
        "has",
        "have",
        "had",
        "not",
        "no",
        "that",
        "this",
        "it",
        "he",
        "she",
        "they",
        "we",
        "you",
        "i",
        "said",
        "says",
    ]
)
_SPEECH_VERBS: Final = (
    "said|says|say|told|tells|stressed|stresses|explained|explains|declared|declares|"
    "stated|states|noted|notes|added|adds|announced|announces|reiterated|reiterates|"
    "claimed|claims|insisted|insists|argued|argues|believes|believe|believed|thinks|think|"
    "thought|feels|feel|felt|warned|warns|promised|promises|agreed|agree|denied|denies|"
    "admitted|admits|wrote|writes|emphasized|emphasised|urged|urges|confirmed|confirms|"
    "found it necessary to declare|assured|assures|accused|accuses"
)
_LEAD_ADVERBIAL: Final = re.compile(
    r"^(?:(?:on|in|at|during|before|after|meanwhile|however|also|earlier|later|then|"
    r"moreover|furthermore|in turn|in addition|at the same time)\b[^,]{0,40},\s*)",
    re.IGNORECASE,
)
_SUBJECT_SPEECH: Final = re.compile(
    # the verb in lower case: "the United States and Russia" is not "X states ..."
    rf"(?P<who>[^;:\u201c\u201d\"]{{2,80}}?)\s+(?-i:{_SPEECH_VERBS})\b",
    re.IGNORECASE,
)
_ACCORDING: Final = re.compile(
    r"\baccording to (?P<who>[^,;:.]{2,80}?)\s*(?:[,;:.!?]|$)", re.IGNORECASE
)
_QUOTE_ATTRIBUTION_AFTER: Final = re.compile(
    r"(?:said|says|added|stressed|noted|explained|told\s+\w+)\s+"
    r"(?P<who>[^,.;:!?\u201c\u201d\"]{1,60}?)"
    r"(?=\s+(?:to|on|in|at|during|after|before|while|aboard)\b|[,.;:!?\u201d\"]|$)"
)
_QUOTE_ATTRIBUTION_BEFORE: Final = re.compile(
    r"[\u2013\u2014-]\s*(?P<who>(?:[Tt]he\s+)?[\w\s.]{1,40}?)\s+(?:said|says|stated|states|reads)\b"
)
_QUOTE_ATTRIBUTION_NAME_FIRST: Final = re.compile(
    r"(?<=[,!?][\u201d\"])\s*(?P<who>(?:[Tt]he\s+)?[A-Z][\w.'\u2019\s-]{0,40}?)\s+"
    r"(?:said|says|added|stressed|noted|explained)\b"
)
_TRAILING_ATTRIBUTION: Final = re.compile(
    r",\s+(?:(?:said|says|added|noted|stressed)\s+(?P<after>[A-Z][^,.;:!?]{0,60}?)"
    r"|(?P<before>(?:the\s+)?[A-Z][^,.;:!?]{0,60}?)\s+(?:said|says|added|noted|stressed))"
    r"(?:\s+(?:on|in|at|during|after|before|to)\b[^,;:!?]*?)?\s*[.!]?\s*$"
)
_PRONOUN: Final = re.compile(r"(?P<p>He|She|His|Her|They|Their)\b")
_PLURAL_REF: Final = re.compile(
    r"\b(?:the two leaders|both leaders|the two presidents|both presidents|the presidents|"
    r"the leaders)\b(?!\s+of\b)",
    re.IGNORECASE,
)
_ROLES: Final = {
    "us-president": (
        "us president",
        "u.s. president",
        "american president",
        "president of the united states",
        "head of the white house",
    ),
    "russian-president": (
        "russian president",
        "president of russia",
        "head of the kremlin",
        "kremlin leader",
    ),
    "french-president": ("french president", "president of france", "head of the elysee"),
    "uk-prime-minister": ("british prime minister", "uk prime minister"),
}
_ROLE_COUNTRY: Final = {
    "us-president": "united states",
    "russian-president": "russia",
    "french-president": "france",
    "uk-prime-minister": "united kingdom",
}
# demonyms and short forms -> the country name as articles write it (lower case)
_COUNTRY_OF: Final = {
    "us": "united states",
    "u.s.": "united states",
    "american": "united states",
    "usa": "united states",
    "russian": "russia",
    "chinese": "china",
    "french": "france",
    "german": "germany",
    "british": "united kingdom",
    "uk": "united kingdom",
    "japanese": "japan",
    "indian": "india",
    "turkish": "turkey",
    "iranian": "iran",
    "ukrainian": "ukraine",
    "syrian": "syria",
    "vietnamese": "vietnam",
    "korean": "korea",
    "north korean": "north korea",
    "south korean": "south korea",
}
_COUNTRY_PAIR: Final = re.compile(
    r"\b(?:presidents|leaders|heads of state|prime ministers|governments)\s+of\s+"
    r"(?:the\s+)?(?P<a>[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*)\s+and\s+(?:the\s+)?"
    r"(?P<b>[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*)"
)
_TWO_COUNTRIES: Final = re.compile(r"\b(?:the\s+)?(?:two|both)\s+countries\b", re.IGNORECASE)
_DEMONYM_LEADER: Final = re.compile(
    r"\b[Tt]he\s+(?P<dem>[A-Z][\w.]*(?:\s+Korean)?)\s+(?:leader|president|head of state)\b"
)
_DOCUMENT: Final = re.compile(
    r"\b(?:joint\s+)?(?:statement|document|declaration|communiqu[eé]|report)"
    r"(?:\s+on\s+[A-Z][\w-]+)?",
)
_DOCUMENT_REF: Final = re.compile(
    r"^(?:the\s+)?(?:joint\s+)?(?:statement|document|declaration|communiqu[eé]|text)$",
    re.IGNORECASE,
)
_WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS: Final = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_WEEKDAY_EXPR: Final = re.compile(
    r"\b(?P<on>on\s+|last\s+)?(?P<day>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
    r"(?P<part>\s+(?:morning|afternoon|evening|night))?\b(?!['\u2019]s)",
    re.IGNORECASE,
)
_RELATIVE_EXPR: Final = re.compile(
    r"\b(?P<prep>(?:since|until|from|by|before|after)\s+)?"
    r"(?P<what>yesterday|today|tomorrow|last night|this morning|"
    r"(?:last|this|next)\s+(?:week|month|year))\b",
    re.IGNORECASE,
)
_OPEN_QUOTES: Final = '\u201c\u00ab\u201e"'
_CLOSE_QUOTES: Final = '\u201d\u00bb"'
_LEADING_JUNK: Final = re.compile(r"[\s\u2013\u2014\-*\u2022]+")


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
    text: str
    speaker: str | None
    attributed: bool


def _word_before(text: str, pos: int) -> tuple[str, int] | None:
    match = re.search(r"([A-Za-z][\w'-]*)\s+$", text[max(0, pos - 40) : pos])
    if not match:
        return None
    return match.group(1), pos - (len(text[max(0, pos - 40) : pos]) - match.start(1))


def repair_mentions(text: str, sentences: list[SentenceInfo]) -> None:
    """Fix the small model's usual PERSON mistakes in place (see the module docstring)."""
    capitalised = set(re.findall(r"\b[A-Z][a-z]{2,}\b", text))
    for sent in sentences:
        fixed: list[Mention] = []
        for m in sent.mentions:
            if m.label == PERSON:
                start, end = m.start, m.end
                after = re.match(r"\s+([a-z][a-z'-]+)\b", text[end : sent.end])
                if (
                    after
                    and after.group(1).capitalize() in capitalised
                    and (after.group(1) not in _STOP)
                ):
                    end += after.end()
                before = _word_before(text, start)
                if (
                    before
                    and before[1] > sent.start
                    and before[0][:1].isupper()
                    and before[0].lower() not in _TITLES
                    and before[0].lower() not in _STOP
                    and text[before[1] + len(before[0]) : start].strip() == ""
                ):
                    start = before[1]
                m = Mention(text[start:end], PERSON, start, end)
            fixed.append(m)
        # trim other mentions that now overlap a widened PERSON
        people = [m for m in fixed if m.label == PERSON]
        out: list[Mention] = []
        for m in fixed:
            if m.label != PERSON:
                for p in people:
                    if m.start < p.start < m.end <= p.end:
                        m = _trimmed(text, m.start, p.start, m.label)
                    elif p.start <= m.start < p.end:
                        m = Mention("", m.label, m.start, m.start)
                if m.start >= m.end or not m.text.strip():
                    continue
            out.append(m)
        sent.mentions = out
    surnames = {
        m.text.split()[-1].lower()
        for s in sentences
        for m in s.mentions
        if m.label == PERSON and len(m.text.split()) >= 2
    }
    for sent in sentences:
        out = []
        covered: list[tuple[int, int]] = []
        for m in sent.mentions:
            if m.label != PERSON and " " not in m.text and m.text.lower() in surnames:
                m = Mention(m.text, PERSON, m.start, m.end)
            out.append(m)
            covered.append((m.start, m.end))
        for word in re.finditer(r"\b[A-Za-z][a-z'-]+\b", text[sent.start : sent.end]):
            w_start, w_end = sent.start + word.start(), sent.start + word.end()
            if word.group().lower() in surnames and not any(s <= w_start < e for s, e in covered):
                out.append(Mention(word.group(), PERSON, w_start, w_end))
        sent.mentions = sorted(out, key=lambda m: m.start)


def _trimmed(text: str, start: int, end: int, label: str) -> Mention:
    while end > start and text[end - 1].isspace():
        end -= 1
    return Mention(text[start:end], label, start, end)


def _surname(name: str) -> str:
    return name.split()[-1].lower().strip(".,'\u2019")


class ArticleIndex:
    """What the rules know about the whole article: people, roles, documents."""

    def __init__(self, text: str, sentences: list[SentenceInfo]) -> None:
        self.text = text
        self.sentences = sentences
        capitalised = set(re.findall(r"\b[A-Z][\w'-]*\b", text))
        forms: dict[str, list[str]] = {}
        self.person_counts: Counter[str] = Counter()
        self.person_mentions: list[tuple[int, str, bool]] = []  # (offset, key, subject-ish)
        for sent in sentences:
            first = True
            for m in sent.mentions:
                if m.label != PERSON:
                    continue
                key = _surname(m.text)
                forms.setdefault(key, []).append(m.text)
                self.person_counts[key] += 1
                said = re.search(
                    rf"(?:{_SPEECH_VERBS})\s+$", text[max(sent.start, m.start - 30) : m.start]
                )
                self.person_mentions.append((m.start, key, first or said is not None))
                first = False
        self.names: dict[str, str] = {}
        for key, variants in forms.items():
            longest = max(variants, key=lambda v: (len(v.split()), v[:1].isupper()))
            words = [
                w.capitalize() if w.islower() and w.capitalize() in capitalised else w
                for w in longest.split()
            ]
            self.names[key] = " ".join(words)
        total = sum(self.person_counts.values())
        top = self.person_counts.most_common(2)
        self.pair: tuple[str, str] | None = None
        if len(top) == 2 and top[1][1] >= 2 and (top[0][1] + top[1][1]) >= 0.6 * total:
            first_seen = {k: min(o for o, kk, _ in self.person_mentions if kk == k) for k, _ in top}
            a, b = sorted([top[0][0], top[1][0]], key=lambda k: first_seen[k])
            self.pair = (self.names[a], self.names[b])
        self.roles: dict[str, str] = {}
        lowered = text.lower()
        for role, phrases in _ROLES.items():
            for phrase in phrases:
                for found in re.finditer(re.escape(phrase) + r"\s+", lowered):
                    nxt = self._person_at(found.end())
                    if nxt is not None:
                        self.roles.setdefault(role, nxt)
        self.documents = [(m.start(), m.group()) for m in _DOCUMENT.finditer(text)]
        self.countries = self._country_pair(text)
        self.leaders = self._leaders_by_country()

    @staticmethod
    def _country_pair(text: str) -> tuple[str, str] | None:
        """The two countries of "the presidents of X and Y", as the article names them."""
        m = _COUNTRY_PAIR.search(text)
        if m is None:
            return None
        a, b = m.group("a"), m.group("b")
        return ("the " + a if a.lower() == "united states" else a), b

    def _leaders_by_country(self) -> dict[str, str]:
        """Country (lower case) -> the leader the article names for it.

        From the role phrases (``The US President Donald Trump``); when the article is
        about two leaders of two countries and one of them is known, the other one leads
        the other country.
        """
        leaders = {
            _ROLE_COUNTRY[role]: person
            for role, person in self.roles.items()
            if role in _ROLE_COUNTRY
        }
        if self.pair and self.countries:
            countries = [c.lower().removeprefix("the ") for c in self.countries]
            for i, country in enumerate(countries):
                other = countries[1 - i]
                if country in leaders and other not in leaders:
                    known = leaders[country]
                    if known in self.pair:
                        leaders[other] = self.pair[1 - self.pair.index(known)]
        return leaders

    def leader_of(self, demonym: str) -> str | None:
        """``Russian`` -> the Russian leader the article names, if it names one."""
        low = demonym.lower()
        return self.leaders.get(_COUNTRY_OF.get(low, low))

    @property
    def countries_text(self) -> str | None:
        return f"{self.countries[0]} and {self.countries[1]}" if self.countries else None

    def _person_at(self, offset: int) -> str | None:
        for sent in self.sentences:
            if sent.start <= offset < sent.end:
                for m in sent.mentions:
                    if m.label == PERSON and m.start == offset:
                        return self.names.get(_surname(m.text))
        return None

    def name_of(self, mention: Mention) -> str:
        return self.names.get(_surname(mention.text), mention.text)

    @property
    def pair_text(self) -> str | None:
        return f"{self.pair[0]} and {self.pair[1]}" if self.pair else None

    def recent_subject(self, before: int) -> str | None:
        """The most recent subject-like PERSON before ``before`` (else any PERSON)."""
        earlier = [(o, k, subj) for o, k, subj in self.person_mentions if o < before]
        for pick_subject in (True, False):
            for _offset, key, subject in reversed(earlier):
                if subject or not pick_subject:
                    return self.names[key]
        return None

    def role(self, phrase: str) -> str | None:
        cleaned = re.sub(r"^(?:the|a)\s+", "", phrase.strip().lower())
        for role, variants in _ROLES.items():
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


@dataclass
class _Edits:
    """Replacements in article coordinates inside one sentence."""

    items: list[tuple[int, int, str]] = field(default_factory=list)

    def add(self, start: int, end: int, replacement: str) -> None:
        if any(s < end and start < e for s, e, _ in self.items):
            return  # the first rule to touch a stretch of text wins
        self.items.append((start, end, replacement))

    def apply(self, text: str, start: int, end: int) -> str:
        out: list[str] = []
        pos = start
        for s, e, rep in sorted(self.items):
            out.append(text[pos:s])
            out.append(rep)
            pos = e
        out.append(text[pos:end])
        return "".join(out)


def _format_date(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _month_shift(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def date_edits(sentence: str, published: date) -> list[tuple[int, int, str]]:
    """Replacements (offsets relative to ``sentence``) that write relative dates out."""
    edits: list[tuple[int, int, str]] = []
    for m in _WEEKDAY_EXPR.finditer(sentence):
        target = _WEEKDAYS.index(m.group("day").lower())
        back = (published.weekday() - target) % 7
        prefix = (m.group("on") or "").lower().strip()
        if prefix == "last" and back == 0:
            back = 7
        day = published - timedelta(days=back)
        part = (m.group("part") or "").strip().lower()
        written = f"the {part} of {_format_date(day)}" if part else _format_date(day)
        on = (m.group("on") or "")[:1]
        lead = ("On" if on.isupper() else "on") if prefix else ""
        if not prefix:
            before = sentence[: m.start()].rstrip().lower()
            lead = "" if before.endswith(("since", "until", "from", "by", "before")) else "on"
        edits.append((m.start(), m.end(), f"{lead} {written}".strip()))
    for m in _RELATIVE_EXPR.finditer(sentence):
        what = re.sub(r"\s+", " ", m.group("what").lower())
        prep = m.group("prep") or ""
        on = "" if prep else "on "
        within = "" if prep else "in "
        written = {
            "yesterday": f"{on}{_format_date(published - timedelta(days=1))}",
            "today": f"{on}{_format_date(published)}",
            "tomorrow": f"{on}{_format_date(published + timedelta(days=1))}",
            "last night": f"{on}the night of {_format_date(published - timedelta(days=1))}",
            "this morning": f"{on}the morning of {_format_date(published)}",
            "last week": f"{within}the week before {_format_date(published)}",
            "this week": f"{within}the week of {_format_date(published)}",
            "next week": f"{within}the week after {_format_date(published)}",
            "last month": f"{within}{_MONTHS[_month_shift(published, -1).month - 1]} "
            f"{_month_shift(published, -1).year}",
            "this month": f"{within}{_MONTHS[published.month - 1]} {published.year}",
            "next month": f"{within}{_MONTHS[_month_shift(published, 1).month - 1]} "
            f"{_month_shift(published, 1).year}",
            "last year": f"{within}{published.year - 1}",
            "this year": f"{within}{published.year}",
            "next year": f"{within}{published.year + 1}",
        }[what]
        if sentence[m.start() : m.start() + 1].isupper():
            written = written[:1].upper() + written[1:]
        edits.append((m.start("what"), m.end(), written))
    return edits


def _subject_span(text: str, sent: SentenceInfo) -> tuple[int, int, str] | None:
    """``(start, end, phrase)`` of a speaker before a speech verb, or of ``According to X``."""
    body = text[sent.start : sent.end]
    according = _ACCORDING.search(body)
    if according:
        return (
            sent.start + according.start("who"),
            sent.start + according.end("who"),
            (according.group("who")),
        )
    lead = _LEAD_ADVERBIAL.match(body)
    offset = lead.end() if lead else 0
    m = _SUBJECT_SPEECH.match(body, offset)
    if m is None:
        return None
    who = m.group("who").strip()
    if len(who.split()) > 10 or re.search(r"\b(?:that|which|who|if|when|it|there)\b", who, re.I):
        return None
    if re.search(r",\s*(?:and|but|or|as|while)\b", who, re.I):
        return None  # "Prices rose, and wages fell, as analysts said": clauses, not a speaker
    return sent.start + m.start("who"), sent.start + m.start("who") + len(who), who


class Resolver:
    """Applies the rules to the sentences of one article."""

    def __init__(self, text: str, sentences: list[SentenceInfo], published: date | None) -> None:
        repair_mentions(text, sentences)
        self.text = text
        self.sentences = sentences
        self.index = ArticleIndex(text, sentences)
        self.published = published
        self._paragraph_text: dict[int, tuple[int, int]] = {}
        for sent in sentences:
            s, e = self._paragraph_text.get(sent.paragraph, (sent.start, sent.end))
            self._paragraph_text[sent.paragraph] = (min(s, sent.start), max(e, sent.end))

    # --- speakers ----------------------------------------------------------------------

    def _who(self, phrase: str, start: int, end: int, sent: SentenceInfo) -> str:
        """The person (or thing) a speaker phrase names."""
        people = [m for m in sent.mentions if m.label == PERSON and start <= m.start < end]
        if people:
            names = list(dict.fromkeys(self.index.name_of(m) for m in people))
            return " and ".join(names)
        stripped = phrase.strip()
        low = stripped.lower()
        if low in ("he", "she"):
            return self.index.recent_subject(start) or stripped
        if _PLURAL_REF.fullmatch(low) or low == "they":
            return self.index.pair_text or stripped
        role = self.index.role(stripped)
        if role:
            return role
        if _DOCUMENT_REF.match(stripped):
            return self.index.document_before(start) or stripped
        key = _surname(stripped) if stripped else ""
        if " " not in stripped and key in self.index.names:
            return self.index.names[key]
        return re.sub(r"^The\b", "the", stripped)

    def _quote_attribution(self, sent: SentenceInfo) -> tuple[str, int, int] | None:
        """Speaker of a quoted sentence, and where its attribution clause sits."""
        p_start, p_end = self._paragraph_text[sent.paragraph]
        para = self.text[p_start:p_end]
        best: tuple[int, str, int, int] | None = None
        for pattern in (
            _QUOTE_ATTRIBUTION_AFTER,
            _QUOTE_ATTRIBUTION_BEFORE,
            _QUOTE_ATTRIBUTION_NAME_FIRST,
        ):
            for m in pattern.finditer(para):
                first = m.group("who").split()[0] if m.group("who").split() else ""
                if not (
                    first[:1].isupper()
                    or first.lower() == "the"
                    or first.lower() in self.index.names
                ):
                    continue  # "says that he ...": a verb, not an attribution
                start = p_start + m.start()
                distance = start - sent.start if start >= sent.start else 10_000 + sent.start
                if best is None or distance < best[0]:
                    w_start, w_end = p_start + m.start("who"), p_start + m.end("who")
                    owner = next((s for s in self.sentences if s.start <= w_start < s.end), sent)
                    who = self._who(m.group("who"), w_start, w_end, owner)
                    best = (distance, who, start, p_start + m.end())
        if best is None:
            return None
        return best[1], best[2], best[3]

    # --- the stand-alone text ------------------------------------------------------------

    def resolve(self, sent: SentenceInfo) -> Standalone:
        text = self.text
        edits = _Edits()
        speaker: str | None = None
        attributed = sent.quoted
        cut: int | None = None
        found = self._quote_attribution(sent) if sent.quoted else None
        trailing = None if sent.quoted else _TRAILING_ATTRIBUTION.search(text, sent.start, sent.end)
        if found is not None:
            speaker, clause_start, _clause_end = found
            if sent.start <= clause_start < sent.end:
                cut = clause_start
        elif trailing is not None:
            group = "after" if trailing.group("after") else "before"
            speaker = self._who(
                trailing.group(group), trailing.start(group), trailing.end(group), sent
            )
            attributed = True
            cut = trailing.start()
        else:
            subject = _subject_span(text, sent)
            if subject is not None:
                speaker = self._who(subject[2], subject[0], subject[1], sent)
                attributed = True
        body_start = sent.start
        lead = _LEADING_JUNK.match(text, sent.start, sent.end)
        if lead:
            body_start = lead.end()
        if text[body_start : body_start + 1] in _OPEN_QUOTES and not any(
            c in _CLOSE_QUOTES for c in text[body_start + 1 : cut or sent.end]
        ):
            body_start += 1
        self._pronoun(sent, body_start, edits)
        self._references(sent, body_start, cut or sent.end, edits)
        if self.published is not None:
            for s, e, rep in date_edits(text[sent.start : sent.end], self.published):
                if sent.start + s >= body_start and (cut is None or sent.start + e <= cut):
                    edits.add(sent.start + s, sent.start + e, rep)
        end = cut if cut is not None else sent.end
        out = edits.apply(text, body_start, end).strip()
        if cut is not None:
            out = out.rstrip(" ,;:\u2013\u2014-")
            out = out.rstrip(_CLOSE_QUOTES + "\u2019").rstrip(" ,;:")
            if not out.endswith((".", "!", "?")):
                out += "."
        if out.endswith(tuple(_CLOSE_QUOTES)) and _balance(out) < 0:
            out = out[:-1].rstrip()
        if out[:1] in _OPEN_QUOTES and _balance(out) > 0:
            out = out[1:].lstrip()
        if out.count('"') % 2 == 1:  # a straight quote whose partner was cut off
            out = out[1:].lstrip() if out.startswith('"') else out.replace('"', "", 1)
        if out[:1].islower():
            out = out[:1].upper() + out[1:]
        text_out = out or text[sent.start : sent.end]
        return Standalone(text=text_out, speaker=speaker, attributed=attributed)

    def _pronoun(self, sent: SentenceInfo, body_start: int, edits: _Edits) -> None:
        m = _PRONOUN.match(self.text, body_start, sent.end)
        if m is None:
            return
        word = m.group("p")
        if word in ("He", "She", "His", "Her"):
            name = self.index.recent_subject(sent.start)
            if name is None:
                return
            edits.add(m.start(), m.end(), name + ("\u2019s" if word in ("His", "Her") else ""))
            return
        previous = [s for s in self.sentences if s.end <= sent.start]
        if not previous or self.index.pair_text is None:
            return
        before = previous[-1]
        before_text = self.text[before.start : before.end]
        names = {_surname(n) for n in self.index.pair or ()}
        named = {_surname(m.text) for m in before.mentions if m.label == PERSON}
        if _PLURAL_REF.search(before_text) or names <= named:
            edits.add(
                m.start(), m.end(), self.index.pair_text + ("\u2019" if word == "Their" else "")
            )

    def _references(self, sent: SentenceInfo, start: int, end: int, edits: _Edits) -> None:
        text = self.text
        pair = self.index.pair_text
        if pair:
            for m in _PLURAL_REF.finditer(text, start, end):
                edits.add(m.start(), m.end(), pair)
        for role_match in re.finditer(
            r"\b(?:the\s+)?(?:"
            + "|".join(re.escape(v) for vs in _ROLES.values() for v in vs)
            + r")\b",
            text[start:end],
            re.IGNORECASE,
        ):
            r_start, r_end = start + role_match.start(), start + role_match.end()
            if any(m.label == PERSON and 0 <= m.start - r_end <= 1 for m in sent.mentions):
                continue  # already followed by the name
            person = self.index.role(role_match.group())
            if person:
                edits.add(r_start, r_end, person)
        countries = self.index.countries_text
        if countries:
            for m in _TWO_COUNTRIES.finditer(text, start, end):
                edits.add(m.start(), m.end(), countries)
        for m in _DEMONYM_LEADER.finditer(text, start, end):
            if any(p.label == PERSON and 0 <= p.start - m.end() <= 1 for p in sent.mentions):
                continue  # "the Russian President Vladimir Putin": already named
            leader = self.index.leader_of(m.group("dem"))
            if leader:
                edits.add(m.start(), m.end(), leader)
        for mention in sent.mentions:
            if mention.label != PERSON or mention.start < start or mention.end > end:
                continue
            full = self.index.name_of(mention)
            if full != mention.text and full.lower().endswith(mention.text.lower()):
                edits.add(mention.start, mention.end, full)


def _balance(text: str) -> int:
    opened = sum(text.count(c) for c in "\u201c\u00ab\u201e")
    closed = sum(text.count(c) for c in "\u201d\u00bb")
    return opened - closed
