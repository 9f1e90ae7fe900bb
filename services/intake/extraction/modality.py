"""Sentences that state no fact (the ``not_factual`` skip): opinions, predictions, hedges
and feelings, told by the modality of the statement.

The pipeline loads no tagger or parser (:mod:`~services.intake.extraction.reading`: only the
sentence and entity recognisers run, to keep extraction fast), so the statement's clauses
are found by their punctuation and conjunctions, on the sentence's words and spaCy's
entities:

* A sentence is cut into **clauses** at ``;``, ``:`` (not inside a time, ``9:14``),
  ``but``, ``, and``, ``, yet``, ``, while``, ``whereas`` and at ``and`` before a personal
  pronoun (``... and I really believe ...``). Relative clauses set off by a comma (``, who
  proposed the budget in November,``) are left out: they describe, the main clause states.
  So are comparisons with an expectation (``less than forecast``, ``than expected``).
* The **reporting frame** is transparent: in "Pike said the repair money should have come
  from the state" the statement is what is said, and its modality is that of "should"; a
  clause of at most :data:`FRAME_MAX_WORDS` words with a reporting verb ("The agency
  said: ...") is a frame, not a statement.
* The sentence is ``not_factual`` when **every** clause of three words or more carries a
  cue: a sentence with one plain clause beside a hedged one ("It was expected that the
  leaders could meet, but the talks did not take place") states a fact and stays.

The cues (the note's ``detail`` says which, as ``"<kind>: <word>"``). A clause that states
a sum of money or a rate (a MONEY or PERCENT entity) carries none: the figure is
checkable even when hedged ("you could save $50 billion", "would get an additional $4
billion in tax breaks"); nor does one with a count before its cue (``16 confirmed cases
in Lebanon, schools remain closed, actual number believed to be higher``: the count is
stated, only what follows is hedged; a count after the cue is hedged with it, "Experts
believe that the fleet needs at least five more vessels").

``modal``
    may, might, could (not ``could not``: a past inability is a fact), should, ought, and
    would as a conditional ("My grandfather would be proud"); ``would`` after a reporting
    verb is the reported future ("said property taxes would rise"), and after ``that``,
    ``which`` or ``who`` what a law or a plan provides ("a law that would provide ..."):
    no cue. ``I might say``, ``we should add`` are discourse, no cue. ``May`` with a
    capital or before a number is the month.
``hedge``
    probably, possibly, perhaps, maybe, (un)likely to.
``belief``
    believe (not ``believe in``), think (not ``think tank``), expect, hope, predict,
    imagine, reckon, anticipate, and fear(ed) ``that``, in any form: an opinion or an
    expectation of someone else ("Scientists believe ...", "she expects ..."). The
    speaker's own ``I think``/``we believe`` is a hedge on what the speaker asserts ("I
    believe there are 1.4 million children in Texas who ..."), no cue.
``prediction``
    will, shall, 'll, won't, when the words after it (up to the next comma or closing
    quotation mark) date the future event (a DATE or TIME entity) and state no amount
    (MONEY, PERCENT, QUANTITY, CARDINAL), or name nothing at all (no entity, no digit):
    "The council will hold its next meeting on March 3", "the icebreaker will make
    navigation possible". What a plan or an agreement fixes is checkable now and stays: an
    amount ("the police department will receive $96 million") or a named place or party
    without a date ("Salas will play his home games at the Viktor Brandt Arena").
``feeling``
    (the whole sentence) a quotation in the first person with a word of feeling ("I have
    never been this worried about my tax bill").

Known limits: opinions without a modal word ("It is a beautiful machine") are left to the
model; a clause boundary the punctuation does not show is not seen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from services.intake.extraction.editorial import has_count
from services.intake.extraction.mentions import Mention
from shared.text.words import words

MIN_CLAUSE_WORDS: Final = 3
"""A clause with fewer words (``Donald Trump``, ``he said``) neither carries a cue nor
makes the sentence factual."""
FRAME_MAX_WORDS: Final = 5
"""A clause of at most this many words with a reporting verb (``The agency said``) is the
frame of what follows, not a statement of its own."""

_MODAL: Final = re.compile(r"\b(?:might|should|ought|could(?!\s+not\b))\b", re.IGNORECASE)
_MAY: Final = re.compile(r"\bmay\b(?!\s*\d)")  # case-sensitive: "May" is the month
_NOT_BEFORE_MAY: Final = frozenset(
    {"in", "of", "since", "until", "by", "early", "late", "mid", "last", "next", "this", "from"}
)
_WOULD: Final = re.compile(r"\bwould\b", re.IGNORECASE)
_HEDGE: Final = re.compile(
    r"\b(?:probably|possibly|perhaps|maybe|(?:un)?likely(?=\s+to\b))\b", re.IGNORECASE
)
_BELIEF: Final = re.compile(
    r"\b(?:believ(?:e|es|ed|ing)(?!\s+in\b)|think(?:s|ing)?(?!\s+tanks?\b)|expect(?:s|ed|ing)?"
    r"|hop(?:e|es|ed|ing)|predict(?:s|ed|ing)?|imagin(?:e|es|ed|ing)|reckon(?:s|ed)?"
    r"|anticipat(?:e|es|ed|ing)|fear(?:s|ed)?(?=\s+that\b))\b",
    re.IGNORECASE,
)
_FUTURE: Final = re.compile(r"\b(?:will|shall|won['\u2019]t)\b|['\u2019]ll\b", re.IGNORECASE)
_WILL_NOUN_BEFORE: Final = frozenset(
    {"the", "a", "his", "her", "their", "its", "our", "my", "your", "free", "good", "ill", "of"}
)
_REPORTING: Final = re.compile(
    r"\b(?:said|says|say|told|tells|announced|wrote|writes|reported|reports|added|noted"
    r"|stated|confirmed|declared|explained|stressed|insisted|argued|claimed|promised"
    r"|pledged|warned|informed|indicated)\b",
    re.IGNORECASE,
)
_FEELING: Final = re.compile(
    r"\b(?:worried|worries|proud|happy|sad|angry|afraid|scared|delighted|disappointed"
    r"|thrilled|excited|upset|glad|sorry|ashamed|frustrated|furious|heartbroken|grateful"
    r"|devastated|shocked|relieved|nervous|anxious|honou?red)\b",
    re.IGNORECASE,
)
_FIRST_PERSON: Final = re.compile(r"\b(?:I|[Mm]e|[Mm]y|[Ww]e|[Uu]s|[Oo]ur)\b")
_RELATIVE: Final = re.compile(r",\s+(?:who|which|whose|where)\b[^,;:]*", re.IGNORECASE)
_AGAINST_EXPECTATION: Final = re.compile(
    r"\b(?:than|as)\s+(?:\w+\s+){0,3}(?:expected|predicted|forecast|hoped|feared|thought|believed)\b",
    re.IGNORECASE,
)
_BOUNDARY: Final = re.compile(
    r";|:(?!\d)|,?\s+but\s+|,\s+and\s+|,\s+yet\s+|,\s+while\s+|\s+whereas\s+"
    r"|\s+and\s+(?=(?:I|we|he|she|they|you)\b)"
)
_PREDICATE_END: Final = re.compile(r"[,;:\u201d\u00bb\"]")
_APOSTROPHES: Final = "'\u2019"
_FIGURES: Final = frozenset({"MONEY", "PERCENT"})
_RELATIVE_PRONOUNS: Final = frozenset({"that", "which", "who"})
_FIRST_PERSON_SUBJECT: Final = re.compile(
    r"\b(?:I|[Ww]e)(?:\s+[a-z]+ly|\s+do|\s+still|\s+don['\u2019]t|\s+do\s+not)?\s+$"
)
_DISCOURSE: Final = re.compile(r"\s+(?:say|add|note|point\s+out|remind|argue)\b", re.IGNORECASE)
_DATED: Final = frozenset({"DATE", "TIME"})
_AMOUNT: Final = frozenset({"MONEY", "PERCENT", "QUANTITY", "CARDINAL"})


def _mask(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` with what ``pattern`` matches blanked out (offsets kept)."""
    return pattern.sub(lambda m: " " * len(m.group()), text)


def _clauses(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each clause of ``text`` (offsets in ``text``)."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for cut in _BOUNDARY.finditer(text):
        bounds.append((start, cut.start()))
        start = cut.end()
    bounds.append((start, len(text)))
    return bounds


def _word_before(text: str, at: int) -> str:
    before = words(text[:at])
    return before[-1].casefold() if before else ""


def _prediction(text: str, at: int, mentions: Sequence[tuple[int, int, str]]) -> bool:
    """Whether the future at ``text[at:]`` is a prediction: dated and with no amount, or
    naming nothing at all."""
    end_match = _PREDICATE_END.search(text, at)
    end = end_match.start() if end_match else len(text)
    labels = {label for start, _, label in mentions if at <= start < end}
    if labels & _DATED and not labels & _AMOUNT:
        return True
    return not labels and not any(c.isdigit() for c in text[at:end])


def _first_person_before(clause: str, at: int) -> bool:
    """Whether the speaker's own ``I``/``we`` (an adverb allowed) comes right before ``at``."""
    return _FIRST_PERSON_SUBJECT.search(clause[:at]) is not None


def _clause_cue(
    text: str, start: int, end: int, mentions: Sequence[tuple[int, int, str]]
) -> str | None:
    found = _first_cue(text, start, end, mentions)
    if found is None:
        return None
    cue, at = found
    if has_count(text[start : start + at]):
        return None  # a count stated before the hedge is a fact of its own
    return cue


def _first_cue(
    text: str, start: int, end: int, mentions: Sequence[tuple[int, int, str]]
) -> tuple[str, int] | None:
    """The clause's cue and where it is in the clause, or None."""
    if any(start <= at < end and label in _FIGURES for at, _, label in mentions):
        return None  # a sum or a rate is checkable even when hedged ("could save $50 billion")
    return _modal_cue(text, start, end) or _stance_cue(text, start, end, mentions)


def _modal_cue(text: str, start: int, end: int) -> tuple[str, int] | None:
    clause = text[start:end]
    for found in _MODAL.finditer(clause):
        discourse = _first_person_before(clause, found.start()) and _DISCOURSE.match(
            clause, found.end()
        )
        if not discourse:
            return f"modal: {found.group().lower()}", found.start()
    for may in _MAY.finditer(clause):
        if may.start() > 0 and _word_before(clause, may.start()) not in _NOT_BEFORE_MAY:
            return "modal: may", may.start()
    for would in _WOULD.finditer(clause):
        if _word_before(clause, would.start()) in _RELATIVE_PRONOUNS:
            continue  # "a law that would provide ...": what the law provides
        if not _REPORTING.search(text, 0, start + would.start()):
            return "modal: would", would.start()
    return None


def _stance_cue(
    text: str, start: int, end: int, mentions: Sequence[tuple[int, int, str]]
) -> tuple[str, int] | None:
    """A hedge, someone's belief or a prediction."""
    clause = text[start:end]
    hedge = _HEDGE.search(clause)
    if hedge:
        return f"hedge: {hedge.group().lower()}", hedge.start()
    for belief in _BELIEF.finditer(clause):
        if not _first_person_before(clause, belief.start()):
            return f"belief: {belief.group().lower()}", belief.start()
    for future in _FUTURE.finditer(clause):
        word = future.group().lower()
        if word == "will" and _word_before(clause, future.start()) in _WILL_NOUN_BEFORE:
            continue
        if _prediction(text, start + future.end(), mentions):
            return f"prediction: {word.strip(_APOSTROPHES)}", future.start()
    return None


def not_factual_cue(
    text: str, mentions: Sequence[Mention], offset: int = 0, *, quoted: bool = False
) -> str | None:
    """Why the sentence ``text`` states no fact (``"modal: should"``, ``"belief: expects"``,
    ``"prediction: will"``, ``"feeling: worried"``...), or None when it may.

    ``mentions`` are its entities at ``offset`` + their offset in ``text`` (article
    coordinates); ``quoted``: the sentence begins inside a quotation.
    """
    if quoted and _FIRST_PERSON.search(text):
        feeling = _FEELING.search(text)
        if feeling:
            return f"feeling: {feeling.group().lower()}"
    spans = [(m.start - offset, m.end - offset, m.label) for m in mentions]
    masked = _mask(_mask(text, _RELATIVE), _AGAINST_EXPECTATION)
    cues: list[str] = []
    for start, end in _clauses(masked):
        n_words = len(words(masked[start:end]))
        if n_words < MIN_CLAUSE_WORDS:
            continue
        if n_words <= FRAME_MAX_WORDS and _REPORTING.search(masked, start, end):
            continue
        cue = _clause_cue(masked, start, end, spans)
        if cue is None:
            return None
        cues.append(cue)
    return cues[0] if cues else None
