"""Speakers: who says a sentence, and where the attribution clause sits.

A quoted sentence takes its speaker from the attribution in its paragraph (``"...," said
Donald Trump``; ``"...", - the document says``); other sentences from ``..., said X.`` at
their end, from ``According to X,`` or from a subject before a speech, thought or feeling
verb (``X told CNN that``, ``X stressed``, ``X feels``), leaving out a time or place that
opens the sentence (``In May 2024 astronomers confirmed``: astronomers;
:mod:`~services.intake.extraction.adverbials`). A sentence with a speaker, or in
quotes, is an *attributed* statement: what someone says, not a fact about the world. The
attribution clause after a quote, or at the end of a sentence, is cut from the stand-alone
text (it is in ``speaker``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from services.intake.extraction.adverbials import without_adverbials
from services.intake.extraction.article_index import ArticleIndex
from services.intake.extraction.mentions import PERSON, Mention, SentenceInfo, surname
from services.intake.extraction.references import PLURAL_REF
from services.intake.extraction.referents import Referents, thing_of
from services.intake.extraction.vocabulary import SPEECH_VERBS

MAX_SPEAKER_WORDS: Final = 10
_FAR_BEHIND: Final = 10_000
"""Distance penalty of an attribution that stands before the sentence it attributes."""

_LEAD_ADVERBIAL: Final = re.compile(
    r"^(?:(?:on|in|at|during|before|after|meanwhile|however|also|earlier|later|then|"
    r"moreover|furthermore|in turn|in addition|at the same time)\b[^,]{0,40},\s*)",
    re.IGNORECASE,
)
_SUBJECT_SPEECH: Final = re.compile(
    # the verb in lower case: "the United States and Russia" is not "X states ..."
    rf"(?P<who>[^;:\u201c\u201d\"]{{2,80}}?)\s+(?-i:{SPEECH_VERBS})\b",
    re.IGNORECASE,
)
_NOT_A_SUBJECT: Final = re.compile(r"\b(?:that|which|who|if|when|it|there)\b", re.IGNORECASE)
_PRONOUN_AND_MORE: Final = re.compile(r"(?i:he|she|they|we|i|you)\s+[a-z]")
_PRONOUN_ADVERBS: Final = re.compile(
    r"(?P<pronoun>(?i:he|she|they|we|i|you))"
    r"(?:\s+(?:also|then|later|again|further|previously|earlier|once|still|now|[a-z]+ly))+$"
)
_CLAUSES: Final = re.compile(r",\s*(?:and|but|or|as|while)\b", re.IGNORECASE)
_ACCORDING: Final = re.compile(
    r"\baccording to (?P<who>[^,;:.]{2,80}?)\s*(?:[,;:.!?]|$)", re.IGNORECASE
)
_APPOSITIVE_AFTER: Final = re.compile(r",\s*(?P<name>[A-Z][^,;:.!?]{1,60}?)\s*(?:[,;:.!?]|$)")
"""``according to a report by the city engineer, Grace Liu``: the name after the comma."""
_RELATIVE_CLAUSE: Final = re.compile(r",\s*(?:who|which|whose)\b[^,;:]*,?\s*$", re.IGNORECASE)
"""``Mayor Denise Carver, who proposed the budget in November,``: not part of the speaker."""
_NAME_AT_END: Final = re.compile(
    r"(?:^|\s)(?P<name>[A-Z][\w'\u2019-]+(?:\s+[A-Z][\w'\u2019-]+){1,2})$"
)
_DESCRIBED: Final = re.compile(r"^[Tt]he\s+(?P<noun>[a-z][a-z-]*(?:\s+[a-z][a-z-]*){0,2})$")
_OBJECT_PRONOUNS: Final = frozenset({"he", "she", "him", "her"})
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
_QUOTE_ATTRIBUTIONS: Final = (
    _QUOTE_ATTRIBUTION_AFTER,
    _QUOTE_ATTRIBUTION_BEFORE,
    _QUOTE_ATTRIBUTION_NAME_FIRST,
)
_TRAILING_VERBS: Final = "said|says|added|noted|stressed|reports|reported|informs|informed"
_TRAILING_ATTRIBUTION: Final = re.compile(
    rf",\s+(?:(?:{_TRAILING_VERBS})\s+(?P<after>the\s+[^,.;:!?]{{1,60}}?|[A-Z][^,.;:!?]{{0,60}}?)"
    r"|(?P<before>(?:the\s+)?[A-Z][^,.;:!?]{0,60}?|the(?:\s+[a-z][\w-]*){1,3})"
    rf"\s+(?:{_TRAILING_VERBS}))"
    r"(?:\s+(?:on|in|at|during|after|before|to)\b[^,;:!?]*?)?\s*[.!]?\s*$"
)
"""``..., the club said.``, ``..., said the Director of the shipyard Alexei Grachev.``,
``..., reports the press service of the ministry.`` (translated copy puts the verb first)."""
_CLAUSE_WORD: Final = re.compile(
    r"\b(?:is|are|was|were|be|been|would|will|could|should|may|might|can|must|had|has|"
    r"have|did|does|do|that)\b"
)
"""A verb or ``that`` after a trailing ``said the ...``: a clause, not a speaker."""
_DOCUMENT_REF: Final = re.compile(
    r"^(?:the\s+)?(?:joint\s+)?(?:statement|document|declaration|communiqu[eé]|text)$",
    re.IGNORECASE,
)
_LEADING_THE: Final = re.compile(r"^The\b")


@dataclass(frozen=True)
class Attribution:
    """Who says a sentence; ``cut``: where the attribution clause starts, if it is cut."""

    speaker: str | None
    attributed: bool
    cut: int | None = None


def subject_span(text: str, sent: SentenceInfo) -> tuple[int, int, str] | None:
    """``(start, end, phrase)`` of a speaker before a speech verb, or of ``According to X``."""
    body = text[sent.start : sent.end]
    according = _ACCORDING.search(body)
    if according:
        start, end = sent.start + according.start("who"), sent.start + according.end("who")
        named = _APPOSITIVE_AFTER.match(body, according.end("who"))
        people = [m for m in sent.mentions if m.label == PERSON]
        if named is not None and any(
            m.start == sent.start + named.start("name") for m in people
        ):  # "according to a report by the city engineer, Grace Liu": Grace Liu
            start, end = sent.start + named.start("name"), sent.start + named.end("name")
        return start, end, text[start:end]
    lead = _LEAD_ADVERBIAL.match(body)
    m = _SUBJECT_SPEECH.match(body, lead.end() if lead else 0)
    if m is None:
        return None
    raw = m.group("who")
    relative = _RELATIVE_CLAUSE.search(raw)
    if relative is not None and relative.start() > 0:
        raw = raw[: relative.start()]  # "X, who proposed the plan, said": X
    start = sent.start + m.start("who") + len(raw) - len(raw.lstrip())
    span = without_adverbials(text, start, start + len(raw.strip()), sent.mentions)
    if span is None:
        return None  # "In the control room engineers said": where the adverbial ends is unknown
    who = text[span[0] : span[1]]
    adverbs = _PRONOUN_ADVERBS.fullmatch(who)
    if adverbs is not None:  # "He also said": He
        who, span = adverbs.group("pronoun"), (span[0], span[0] + adverbs.end("pronoun"))
    if len(who.split()) > MAX_SPEAKER_WORDS or _NOT_A_SUBJECT.search(who):
        return None
    if _PRONOUN_AND_MORE.match(who):
        return None  # "they fell by 4 percent, the central bank said": a clause, no speaker
    if _CLAUSES.search(who):
        return None  # "Prices rose, and wages fell, as analysts said": clauses, not a speaker
    return span[0], span[1], who


def _appositive(text: str, people: list[Mention]) -> list[Mention]:
    """The people of a speaker phrase, or only those set off by commas when one is
    (``Deportivo Norte's sporting director, Ramiro Acosta,``: Ramiro Acosta)."""
    set_off = [
        m
        for m in people
        if text[: m.start].rstrip().endswith(",")
        and text[m.end : m.end + 2].lstrip()[:1] in (",", "")
    ]
    return set_off if set_off and len(set_off) < len(people) else people


class Speakers:
    """Finds the speakers of one article's sentences."""

    def __init__(
        self,
        text: str,
        sentences: list[SentenceInfo],
        index: ArticleIndex,
        referents: Referents | None = None,
    ) -> None:
        self.text = text
        self.referents = referents
        self.sentences = sentences
        self.index = index
        self._paragraphs: dict[int, tuple[int, int]] = {}
        for sent in sentences:
            s, e = self._paragraphs.get(sent.paragraph, (sent.start, sent.end))
            self._paragraphs[sent.paragraph] = (min(s, sent.start), max(e, sent.end))

    def attribution(self, sent: SentenceInfo) -> Attribution:
        """Who says ``sent`` (see the module docstring)."""
        found = self._quote_attribution(sent) if sent.quoted else None
        if found is not None:
            speaker, clause_start = found
            inside = sent.start <= clause_start < sent.end
            return Attribution(speaker, attributed=True, cut=clause_start if inside else None)
        trailing = (
            None if sent.quoted else _TRAILING_ATTRIBUTION.search(self.text, sent.start, sent.end)
        )
        if trailing is not None and _CLAUSE_WORD.search(trailing.group()):
            trailing = None  # ", said the fee would be paid ...": a reported clause
        if trailing is not None:
            group = "after" if trailing.group("after") else "before"
            start, end = trailing.start(group), trailing.end(group)
            speaker = self.who(trailing.group(group), start, end, sent)
            return Attribution(speaker, attributed=True, cut=trailing.start())
        subject = subject_span(self.text, sent)
        if subject is None:
            return Attribution(None, attributed=sent.quoted)
        return Attribution(self.who(subject[2], subject[0], subject[1], sent), attributed=True)

    def who(self, phrase: str, start: int, end: int, sent: SentenceInfo) -> str:
        """The person (or thing) a speaker phrase at ``text[start:end]`` names."""
        people = _appositive(
            self.text, [m for m in sent.mentions if m.label == PERSON and start <= m.start < end]
        )
        if people:
            names = list(dict.fromkeys(self.index.name_of(m) for m in people))
            return " and ".join(names)
        stripped = phrase.strip()
        low = stripped.lower()
        if low in _OBJECT_PRONOUNS:
            return self.index.recent_subject(start) or stripped
        described = self._described(stripped, start)
        if described is not None:
            return described
        name = _NAME_AT_END.search(stripped)
        if name is not None and name.start() > 0 and self._a_persons_name(name, start, sent):
            return name.group("name")  # "the Director of the shipyard Alexei Grachev"
        if PLURAL_REF.fullmatch(low) or low == "they":
            return self.index.pair_text or stripped
        role = self.index.role(stripped)
        if role:
            return role
        if _DOCUMENT_REF.match(stripped):
            return self.index.document_before(start) or stripped
        key = surname(stripped) if stripped else ""
        if " " not in stripped and key in self.index.names:
            return self.index.names[key]
        return _LEADING_THE.sub("the", stripped)

    def _described(self, phrase: str, start: int) -> str | None:
        """``the agency``: the one thing the article named before with that head noun."""
        m = _DESCRIBED.match(phrase)
        if m is None or self.referents is None:
            return None
        words = m.group("noun").split()
        for n in range(len(words), 0, -1):
            found = self.referents.described(" ".join(words[:n]), start)
            if found is not None:
                return found[0].name if len(found) == 1 else None
        return None

    def _a_persons_name(self, name: re.Match[str], start: int, sent: SentenceInfo) -> bool:
        """Whether capitalised words that end a speaker phrase are a person's name: no
        entity other than a PERSON covers them, and they name no thing."""
        at = start + name.start("name")
        others = [m for m in sent.mentions if m.label != PERSON and m.start < at + 1 < m.end]
        return not others and thing_of(name.group("name")) is None

    def _names_a_speaker(self, phrase: str) -> bool:
        first = phrase.split()[0] if phrase.split() else ""
        low = first.lower()
        return first[:1].isupper() or low == "the" or low in self.index.names

    def _quote_attribution(self, sent: SentenceInfo) -> tuple[str, int] | None:
        """Speaker of a quoted sentence, and where its attribution clause starts."""
        p_start, p_end = self._paragraphs[sent.paragraph]
        para = self.text[p_start:p_end]
        best: tuple[int, str, int] | None = None
        for pattern in _QUOTE_ATTRIBUTIONS:
            for m in pattern.finditer(para):
                if not self._names_a_speaker(m.group("who")):
                    continue  # "says that he ...": a verb, not an attribution
                start = p_start + m.start()
                distance = start - sent.start if start >= sent.start else _FAR_BEHIND + sent.start
                if best is None or distance < best[0]:
                    w_start, w_end = p_start + m.start("who"), p_start + m.end("who")
                    owner = next((s for s in self.sentences if s.start <= w_start < s.end), sent)
                    best = (distance, self.who(m.group("who"), w_start, w_end, owner), start)
        if best is None:
            return None
        return best[1], best[2]
