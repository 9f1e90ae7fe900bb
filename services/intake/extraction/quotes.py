"""Direct quotes in the first person turned into stand-alone attributed statements.

A quoted sentence whose speaker is known and that speaks in the first person ("Every time
he sees me, he says ...", said Donald Trump) is no statement about the world as it stands:
the claim becomes ``<speaker> said that <content>``, where in the content

* ``I``/``me``/``myself`` are the speaker, ``my``/``mine`` the speaker's, and
* ``he``/``him``/``his`` (``she``...) are the person the quote is about: the most recent
  person the article named before the sentence who is not the speaker.

``we``/``us``/``our`` stay as they are (a speaker's "we" is a party, a government, a team:
the rules cannot tell which). The quoted span's article offsets go with the claim
(``quote_start``/``quote_end``), and the worker checks the reported content
(:mod:`workers.verification.attribution` reads the frame).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from services.intake.extraction.article_index import ArticleIndex
from services.intake.extraction.edits import Edits
from services.intake.extraction.mentions import PERSON, SentenceInfo
from shared.text.words import stop_words

_FIRST_PERSON: Final = re.compile(r"\b(?:I|me|my|mine|myself)\b|\bI[\u2019'](?:m|d|ll|ve)\b")
_PRONOUN: Final = re.compile(
    r"\b(?P<w>I|me|myself|my|mine|[Hh]e|[Hh]im|[Hh]is|[Ss]he|[Hh]er|[Hh]imself|[Hh]erself)\b"
)
_ADVERB: Final = (
    r"(?:\s+(?:really|just|also|still|never|always|truly|certainly|only|do not|don[\u2019']t))?"
)
_I_VERB: Final = re.compile(
    r"\bI(?P<adv>" + _ADVERB + r")\s+(?P<v>am|have|do|believe|think|know|want|feel|hope|say|"
    r"mean|like|love|see|get|go|need|agree|expect|guess|remember|understand|try|tell)\b"
)
"""``I`` and a present-tense verb, which agrees with a name in the third person."""
_THIRD: Final = {"am": "is", "have": "has", "do": "does", "go": "goes", "try": "tries"}
_NEGATION_THIRD: Final = {"do not": "does not", "don\u2019t": "doesn\u2019t", "don't": "doesn't"}
_CONTRACTION: Final = re.compile(r"\bI[\u2019'](?P<c>m|d|ll|ve)\b")
_CONTRACTED: Final = {"m": "is", "d": "would", "ll": "will", "ve": "has"}
_QUOTE_EDGE: Final = " \t\n,;:\u2013\u2014-\u201c\u201d\u00ab\u00bb\u201e\"'"


@dataclass(frozen=True)
class QuoteSpan:
    """The words inside the quotation marks, in article coordinates."""

    start: int
    end: int


def quote_span(text: str, body_start: int, end: int) -> QuoteSpan | None:
    """The quoted words of ``text[body_start:end]`` without the marks, commas or dashes."""
    s, e = body_start, end
    while s < e and text[s] in _QUOTE_EDGE:
        s += 1
    while e > s and text[e - 1] in _QUOTE_EDGE:
        e -= 1
    return QuoteSpan(s, e) if e > s else None


def speaks_in_first_person(text: str, span: QuoteSpan) -> bool:
    return _FIRST_PERSON.search(text, span.start, span.end) is not None


def other_person(
    index: ArticleIndex, sentences: list[SentenceInfo], before: int, speaker: str
) -> str | None:
    """The most recent person named before ``before`` who is not ``speaker``."""
    for sent in reversed([s for s in sentences if s.start < before]):
        for mention in reversed(sent.mentions):
            if mention.label == PERSON and mention.start < before:
                name = index.name_of(mention)
                if name not in speaker and speaker not in name:
                    return name
    return None


def first_person_edits(
    text: str, span: QuoteSpan, speaker: str, other: str | None, edits: Edits
) -> None:
    """Pronouns of the quote replaced by the people they name (module docstring)."""
    for m in _I_VERB.finditer(text, span.start, span.end):
        adv = m.group("adv")
        negated = adv.strip() in _NEGATION_THIRD
        verb = m.group("v")
        if negated:
            edits.add(m.start(), m.end(), f"{speaker} {_NEGATION_THIRD[adv.strip()]} {verb}")
        else:
            edits.add(m.start(), m.end(), f"{speaker}{adv} {_THIRD.get(verb, verb + 's')}")
    for m in _CONTRACTION.finditer(text, span.start, span.end):
        edits.add(m.start(), m.end(), f"{speaker} {_CONTRACTED[m.group('c')]}")
    for m in _PRONOUN.finditer(text, span.start, span.end):
        word = m.group("w")
        low = word.lower()
        if low in ("i", "me", "myself"):
            edits.add(m.start(), m.end(), speaker)
        elif low in ("my", "mine"):
            edits.add(m.start(), m.end(), f"{speaker}\u2019s")
        elif other is not None and low in ("he", "him", "himself", "she", "herself"):
            edits.add(m.start(), m.end(), other)
        elif other is not None and low == "his":
            edits.add(m.start(), m.end(), f"{other}\u2019s")
        # "her" is object or possessive: left as it is


def framed(speaker: str, content: str) -> str:
    """``<speaker> said that <content>`` (the content's first word lower-cased unless a name)."""
    content = content.strip().rstrip(_QUOTE_EDGE)
    first = content.split(" ", 1)[0]
    if first.lower() in stop_words("en"):
        content = content[:1].lower() + content[1:]
    if not content.endswith((".", "!", "?")):
        content += "."
    return f"{speaker} said that {content}"
