"""Stand-alone claim text: rules over spaCy's entities, so that a worker that sees only the
claim can check it.

The rules work on plain strings and offsets (:mod:`~services.intake.extraction.mentions`)
and apply in this order:

1. **Entity repair** (:mod:`~services.intake.extraction.entities`): the small model's
   PERSON mistakes fixed, names of things told from people's, and the article's full names
   collected (:mod:`~services.intake.extraction.referents`).
2. **The article's index** (:mod:`~services.intake.extraction.article_index`): full names,
   the two leading people, roles, countries and their leaders, documents.
3. **Speakers** (:mod:`~services.intake.extraction.speakers`): who says the sentence; an
   attribution clause is cut from the text.
4. **Pronouns and short references** (:mod:`~services.intake.extraction.references`); in a
   first-person quote the quote's own pronouns instead, and the claim is framed as the
   speaker's (:mod:`~services.intake.extraction.quotes`).
5. **Dates**: those that take their date from an earlier one (``the same day``:
   :mod:`~services.intake.extraction.anchored_dates`), then the relative ones, given the
   publication date (:mod:`~services.intake.extraction.relative_dates`).

Then the quotation marks left unbalanced by a cut are tidied up. A reference the rules cannot
resolve with confidence is left as written and named in ``Standalone.unresolved``: the claim
is then not stand-alone. ``Standalone.in_context`` is the sentence with steps 4 and 5 only
(the speaker's frame and a first-person quote's pronouns left out): what the model scores.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from services.intake.extraction.anchored_dates import AnchoredDates
from services.intake.extraction.article_index import ArticleIndex
from services.intake.extraction.edits import Edits
from services.intake.extraction.entities import repair_mentions
from services.intake.extraction.mentions import SentenceInfo, Standalone
from services.intake.extraction.quotes import (
    first_person_edits,
    framed,
    other_person,
    quote_span,
    speaks_in_first_person,
)
from services.intake.extraction.references import References
from services.intake.extraction.relative_dates import date_edits
from services.intake.extraction.speakers import Speakers

_OPEN_QUOTES: Final = '\u201c\u00ab\u201e"'
_CLOSE_QUOTES: Final = '\u201d\u00bb"'
_LEADING_JUNK: Final = re.compile(r"[\s\u2013\u2014\-*\u2022]+")


def _balance(text: str) -> int:
    opened = sum(text.count(c) for c in "\u201c\u00ab\u201e")
    closed = sum(text.count(c) for c in "\u201d\u00bb")
    return opened - closed


def _end_cut(out: str) -> str:
    """The text before a cut attribution clause, ending as a sentence."""
    out = out.rstrip(" ,;:\u2013\u2014-")
    out = out.rstrip(_CLOSE_QUOTES + "\u2019").rstrip(" ,;:")
    return out if out.endswith((".", "!", "?")) else out + "."


def _tidy_quotes(out: str) -> str:
    """Drop a quotation mark whose partner is not in the text."""
    if out.endswith(tuple(_CLOSE_QUOTES)) and _balance(out) < 0:
        out = out[:-1].rstrip()
    if out[:1] in _OPEN_QUOTES and _balance(out) > 0:
        out = out[1:].lstrip()
    if out.count('"') % 2 == 1:  # a straight quote whose partner was cut off
        out = out[1:].lstrip() if out.startswith('"') else out.replace('"', "", 1)
    return out


class Resolver:
    """Applies the rules to the sentences of one article."""

    def __init__(self, text: str, sentences: list[SentenceInfo], published: date | None) -> None:
        referents = repair_mentions(text, sentences)
        self.text = text
        self.sentences = sentences
        self.index = ArticleIndex(text, sentences)
        self.published = published
        self._speakers = Speakers(text, sentences, self.index, referents)
        self._references = References(text, sentences, self.index, referents)
        self._anchored = AnchoredDates(text, sentences, published)

    def resolve(self, sent: SentenceInfo) -> Standalone:
        """``sent`` as a stand-alone text, with its speaker."""
        text = self.text
        attribution = self._speakers.attribution(sent)
        cut = attribution.cut
        body_start = self._body_start(sent, cut)
        speaker = attribution.speaker
        quote = quote_span(text, body_start, cut or sent.end) if sent.quoted and speaker else None
        first_person = quote is not None and speaks_in_first_person(text, quote)
        unresolved: list[str] = []
        context = self._context_edits(sent, body_start, cut, unresolved, pronoun=not first_person)
        edits = Edits()
        if first_person and quote is not None and speaker is not None:
            other = other_person(self.index, self.sentences, sent.start, speaker)
            first_person_edits(text, quote, speaker, other, edits)
        for start, end, replacement in context.items:
            edits.add(start, end, replacement)
        end = cut if cut is not None else sent.end
        out = edits.apply(text, body_start, end).strip()
        if cut is not None:
            out = _end_cut(out)
        out = _tidy_quotes(out)
        if first_person and speaker is not None and out:
            out = framed(speaker, out)
        if out[:1].islower():
            out = out[:1].upper() + out[1:]
        return Standalone(
            text=out or text[sent.start : sent.end],
            speaker=speaker,
            attributed=attribution.attributed,
            quote=(quote.start, quote.end) if quote is not None else None,
            in_context=context.apply(text, sent.start, sent.end),
            unresolved=tuple(unresolved),
        )

    def _context_edits(
        self,
        sent: SentenceInfo,
        body_start: int,
        cut: int | None,
        unresolved: list[str],
        *,
        pronoun: bool,
    ) -> Edits:
        """What the sentence's context resolves: pronouns (unless ``pronoun`` is false: a
        first-person quote has its own), short references and dates."""
        edits = Edits()
        if pronoun:
            self._references.pronoun(sent, body_start, edits)
        self._references.references(sent, body_start, cut or sent.end, edits, unresolved)
        self._dates(sent, body_start, cut, edits, unresolved)
        return edits

    def _body_start(self, sent: SentenceInfo, cut: int | None) -> int:
        """Where the sentence's text starts: after list markers and dashes, and after an
        opening quotation mark that is not closed before ``cut``."""
        text = self.text
        body_start = sent.start
        lead = _LEADING_JUNK.match(text, sent.start, sent.end)
        if lead:
            body_start = lead.end()
        if text[body_start : body_start + 1] in _OPEN_QUOTES and not any(
            c in _CLOSE_QUOTES for c in text[body_start + 1 : cut or sent.end]
        ):
            body_start += 1
        return body_start

    def _dates(
        self,
        sent: SentenceInfo,
        body_start: int,
        cut: int | None,
        edits: Edits,
        unresolved: list[str],
    ) -> None:
        def inside(start: int, end: int) -> bool:
            return start >= body_start and (cut is None or end <= cut)

        for start, end, written in self._anchored.found(sent):
            if not inside(start, end):
                continue
            if written is not None:
                edits.add(start, end, written)
            elif edits.add(start, end, self.text[start:end]):  # its words, and no other rule's
                unresolved.append(self.text[start:end])
        if self.published is None:
            return
        for s, e, rep in date_edits(self.text[sent.start : sent.end], self.published):
            if inside(sent.start + s, sent.start + e):
                edits.add(sent.start + s, sent.start + e, rep)
