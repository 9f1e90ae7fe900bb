"""Entity repair: fixing the small English model's usual PERSON mistakes.

The model misses names written in lower case (``Donald trump``), glues first names to
organisations (``the Kremlin Dmitry`` + ``Peskov``) and calls a bare surname an ORG. So:

* a PERSON is extended by a following lower-case word that the article also writes
  capitalised (and that is no stop word), and by a preceding capitalised word that is
  neither a title (``data/titles.json``) nor a stop word;
* other mentions that a widened PERSON now overlaps are trimmed (or dropped);
* names of things (``James Webb Space Telescope``, ``Robert F. Kennedy Bridge``) are not
  PERSONs, whatever spaCy said (:func:`~services.intake.extraction.referents.mark_things`);
* a one-word entity, or a bare word, that can only refer to people the article names in full
  (:class:`~services.intake.extraction.referents.Referents`) becomes a PERSON; a one-word
  PERSON that can only refer to one thing gets that thing's label, and such a new PERSON is
  widened as above (``Dmitry orlov``, where the model tagged ``Dmitry`` an ORG). A word
  inside a compound noun (``space telescope``) is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Set
from typing import Final

from services.intake.extraction.mentions import PERSON, Mention, SentenceInfo
from services.intake.extraction.referents import Referents, in_compound, mark_things, person_cue
from services.intake.extraction.vocabulary import TITLES, stop_words

_CAPITALISED: Final = re.compile(r"\b[A-Z][a-z]{2,}\b")
_NEXT_LOWER_WORD: Final = re.compile(r"\s+([a-z][a-z'-]+)\b")
_WORD_BEFORE: Final = re.compile(r"([A-Za-z][\w'-]*)\s+$")
_BARE_WORD: Final = re.compile(r"\b[A-Za-z][a-z'-]+\b")
_LOOK_BACK: Final = 40


def _word_before(text: str, pos: int) -> tuple[str, int] | None:
    window = text[max(0, pos - _LOOK_BACK) : pos]
    match = _WORD_BEFORE.search(window)
    if not match:
        return None
    return match.group(1), pos - (len(window) - match.start(1))


def _widened_end(text: str, sent: SentenceInfo, end: int, capitalised: Set[str]) -> int:
    after = _NEXT_LOWER_WORD.match(text[end : sent.end])
    if after is None:
        return end
    word = after.group(1)
    if word.capitalize() in capitalised and word not in stop_words("en"):
        return end + after.end()
    return end


def _widened_start(text: str, sent: SentenceInfo, start: int) -> int:
    before = _word_before(text, start)
    if before is None or before[1] <= sent.start:
        return start
    word, at = before
    low = word.lower()
    if not word[:1].isupper() or low in TITLES or low in stop_words("en"):
        return start
    return at if text[at + len(word) : start].strip() == "" else start


def _widened(
    text: str, sent: SentenceInfo, m: Mention, capitalised: Set[str], *, single: bool
) -> Mention:
    if m.label != PERSON or (single and " " in m.text):
        return m
    end = _widened_end(text, sent, m.end, capitalised)
    start = _widened_start(text, sent, m.start)
    return Mention(text[start:end], PERSON, start, end)


def _trimmed(text: str, start: int, end: int, label: str) -> Mention:
    while end > start and text[end - 1].isspace():
        end -= 1
    return Mention(text[start:end], label, start, end)


def _without_people(text: str, m: Mention, people: list[Mention]) -> Mention | None:
    """``m`` cut back where a PERSON overlaps it; None when nothing of it is left."""
    for p in people:
        if m.start < p.start < m.end <= p.end:
            m = _trimmed(text, m.start, p.start, m.label)
        elif p.start <= m.start < p.end:
            m = Mention("", m.label, m.start, m.start)
    if m.start >= m.end or not m.text.strip():
        return None
    return m


def _widen_people(
    text: str, sent: SentenceInfo, capitalised: Set[str], *, single: bool = False
) -> None:
    """Widen the PERSONs (only one-word ones when ``single``) and trim what they overlap."""
    fixed = [_widened(text, sent, m, capitalised, single=single) for m in sent.mentions]
    people = [m for m in fixed if m.label == PERSON]
    out: list[Mention] = []
    for m in fixed:
        kept = m if m.label == PERSON else _without_people(text, m, people)
        if kept is not None:
            out.append(kept)
    sent.mentions = out


def _short_label(text: str, start: int, end: int, referents: Referents) -> str | None:
    """The label of a one-word name that can only mean people, or only one thing."""
    found = referents.antecedents(text[start:end], start, person=person_cue(text, start, end))
    if found and all(r.person for r in found):
        return PERSON
    if len(found) == 1:
        return found[0].label
    return None


def _name_short_names(text: str, sent: SentenceInfo, referents: Referents) -> None:
    out: list[Mention] = []
    covered: list[tuple[int, int]] = []
    for m in sent.mentions:
        if " " not in m.text and not in_compound(text, m.start, m.end):
            label = _short_label(text, m.start, m.end, referents)
            if label is not None and label != m.label:
                m = Mention(m.text, label, m.start, m.end)
        out.append(m)
        covered.append((m.start, m.end))
    for word in _BARE_WORD.finditer(text, sent.start, sent.end):
        w_start, w_end = word.start(), word.end()
        if any(s <= w_start < e for s, e in covered) or in_compound(text, w_start, w_end):
            continue
        if _short_label(text, w_start, w_end, referents) == PERSON:
            out.append(Mention(word.group(), PERSON, w_start, w_end))
    sent.mentions = sorted(out, key=lambda m: m.start)


def repair_mentions(text: str, sentences: list[SentenceInfo]) -> Referents:
    """Fix the small model's usual PERSON mistakes in place (see the module docstring);
    the article's full names, for the rules that follow."""
    capitalised = set(_CAPITALISED.findall(text))
    mark_things(text, sentences)
    for sent in sentences:
        _widen_people(text, sent, capitalised)
    referents = Referents(text, sentences)
    for sent in sentences:
        _name_short_names(text, sent, referents)
        # a surname found by the rules gets its given name too ("Dmitry orlov")
        _widen_people(text, sent, capitalised, single=True)
    return referents
