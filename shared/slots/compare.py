"""Comparing a claim's slots with a sentence's: ``agree``, ``conflict`` or ``unaligned``.

A pair is *aligned* when the sentence talks about the same fact: it contains most of the
claim's content words (:data:`ALIGN_COVERAGE`) and most of the words outside its names
(:data:`ALIGN_PREDICATE`): the subject and the predicate. An aligned pair is compared slot
by slot:

* **dates** by granularity: "in 2022" agrees with "4 January 2022"; "4 March 2022" is
  open against "2022" (the source is less precise) and conflicts with "4 January 2022";
  "before 2015" agrees with "2012"; "since 2020" conflicts with "since January 2024";
* **quantities** of one dimension, converted to its base unit: equal within the
  lexicon's tolerance (exact, or approximate where either side says "about"), plus the
  rounding of the digits written; bounds ("more than 20") hold or fail; another currency,
  scale or sign is another value;
* **names** the claim gives and the sentence does not, where the sentence puts another
  name in the same place (the same word before or after it): "aboard Atlantis" against
  "aboard the Space Shuttle Columbia";
* **polarity**: one side negated and the other not, or an antonym in place of the
  claim's word ("before" against "after").

Conflicts of two kinds or more (another name *and* another date), or two details of one
kind ("43 reviews" and "72 %" against "49 reviews" and "71 %"), mean the sentence is about
another fact (a look-alike event, another moment): the pair is ``unaligned``. One conflict:
``conflict``.
None: ``agree``, with the claim's slots the sentence did not state counted as open.
"""

from __future__ import annotations

import re

from shared.slots.lexicon import lexicon
from shared.slots.model import (
    Alignment,
    DateSlot,
    NameSlot,
    QuantitySlot,
    SlotConflict,
    Slots,
)
from shared.text.words import stem, stop_words, words
from shared.verdict_parts import NO_NEGATION

ALIGN_COVERAGE = 0.5
"""Share of the claim's content stems the sentence must contain to be about its fact."""
ALIGN_PREDICATE = 0.5
"""The same for the content stems outside the claim's names (what is said of them)."""
POLARITY_PREDICATE = 0.6
"""Predicate coverage from which a negation on one side only is a conflict (an antonym is
one from :data:`ALIGN_PREDICATE`)."""
NAME_PREDICATE = 0.75
"""Predicate coverage from which another name in the claim's name's place is a conflict."""

_AGREE, _OPEN, _CONFLICT = 2, 1, 0


def compare(claim: Slots, sentence: Slots, *, similar: bool = False) -> Alignment:
    """``similar``: the two are close in meaning by other means (embeddings), so the
    predicate may be worded differently ("long" and "length")."""
    coverage, predicate, name_coverage = _coverages(claim, sentence)
    subject = not claim.names or _mentioned(claim.names[0], sentence, _words_of(sentence))
    unaligned = Alignment(
        "unaligned", coverage=coverage, name_coverage=name_coverage, subject=subject
    )
    if coverage < ALIGN_COVERAGE or (predicate < ALIGN_PREDICATE and not similar):
        return unaligned
    conflicts: list[SlotConflict] = []
    agreed: list[str] = []
    open_slots = 0
    for relation, detail in _date_relations(claim, sentence) + _quantity_relations(claim, sentence):
        if relation == _AGREE:
            agreed.append(detail[0])
        elif relation == _OPEN:
            open_slots += 1
        else:
            conflicts.append(detail[1])
    names, about_another = _name_conflicts(claim, sentence, predicate >= NAME_PREDICATE)
    conflicts += names
    if not conflicts:
        conflicts += _role_conflicts(claim, sentence)
    conflicts += _polarity_conflicts(claim, sentence, negation=predicate >= POLARITY_PREDICATE)
    details = [c for c in conflicts if c.kind != "polarity"]
    if len({c.kind for c in conflicts}) > 1 or len(details) > 1 or (conflicts and about_another):
        return unaligned  # another fact, or the same fact of someone else
    return Alignment(
        "conflict" if conflicts else "agree",
        conflicts=tuple(conflicts),
        agreed=tuple(agreed),
        open_slots=open_slots,
        coverage=coverage,
        name_coverage=name_coverage,
        subject=subject,
    )


def _words_of(slots: Slots) -> frozenset[str]:
    return slots.stems


def _coverages(claim: Slots, sentence: Slots) -> tuple[float, float, float]:
    sentence_words = _words_of(sentence)
    name_words = {stem(t) for n in claim.names for t in n.key}
    content = claim.content
    predicate_words = content - name_words
    coverage = len(content & sentence_words) / len(content) if content else 1.0
    predicate = (
        len(predicate_words & sentence_words) / len(predicate_words)
        if predicate_words
        else coverage
    )
    matched = sum(1 for n in claim.names if _mentioned(n, sentence, sentence_words))
    name_coverage = matched / len(claim.names) if claim.names else 1.0
    return coverage, predicate, name_coverage


Detail = tuple[str, SlotConflict]


def _date_relations(claim: Slots, sentence: Slots) -> list[tuple[int, Detail]]:
    out: list[tuple[int, Detail]] = []
    used = {
        other.span.start
        for date in claim.dates
        for other in sentence.dates
        if _date_relation(date, other) == _AGREE
    }
    for date in claim.dates:
        rivals = [
            o
            for o in sentence.dates
            if o.span.start not in used or _date_relation(date, o) == _AGREE
        ]
        ranked = sorted(
            ((_date_relation(date, other), _shared_fields(date, other), other) for other in rivals),
            key=lambda r: (r[0], r[1]),
            reverse=True,
        )
        if not ranked:
            out.append((_OPEN, (date.span.text, _nothing("date"))))
            continue
        relation, _, best = ranked[0]
        out.append(
            (relation, (date.span.text, SlotConflict("date", date.span.text, best.span.text)))
        )
    return out


def _date_key(d: DateSlot) -> tuple[int, int, int]:
    return (d.year or (d.decade or 0), d.month or 0, d.day or 0)


_BOUNDS = frozenset({"before", "after", "by", "until"})


def _date_relation(claim: DateSlot, source: DateSlot) -> int:
    if claim.anchor in _BOUNDS:
        return _bounded_relation(claim, source)
    if claim.decade is not None or source.decade is not None:
        cd = claim.decade if claim.decade is not None else (claim.year or 0) // 10 * 10
        sd = source.decade if source.decade is not None else (source.year or 0) // 10 * 10
        if cd != sd:
            return _CONFLICT
        return _AGREE if claim.decade is not None else _OPEN
    fields = ((claim.year, source.year), (claim.month, source.month), (claim.day, source.day))
    if any(mine is not None and theirs is not None and mine != theirs for mine, theirs in fields):
        return _CONFLICT
    if any(mine is not None and theirs is None for mine, theirs in fields):
        return _OPEN
    return _AGREE


def _bounded_relation(claim: DateSlot, source: DateSlot) -> int:
    """ "before 2015" against a date: it holds or fails; against another bound ("by March
    2018", "as of"), or a date of other fields, it stays open."""
    same_fields = all(
        (mine is None) == (theirs is None)
        for mine, theirs in ((claim.year, source.year), (claim.month, source.month))
    )
    if source.anchor in _BOUNDS | {"since"} or not same_fields or claim.decade or source.decade:
        return _OPEN
    mine, theirs = _date_key(claim), _date_key(source)
    if mine == theirs:
        return _OPEN
    holds = theirs > mine if claim.anchor == "after" else theirs < mine
    return _AGREE if holds else _CONFLICT


def _shared_fields(a: DateSlot, b: DateSlot) -> int:
    return sum(
        x is not None and x == y for x, y in ((a.year, b.year), (a.month, b.month), (a.day, b.day))
    )


def _quantity_relations(claim: Slots, sentence: Slots) -> list[tuple[int, Detail]]:
    out: list[tuple[int, Detail]] = []
    used = {
        other.span.start
        for quantity in claim.quantities
        for other in sentence.quantities
        if other.dimension == quantity.dimension and _quantity_relation(quantity, other) == _AGREE
    }
    for quantity in claim.quantities:
        same = [
            q
            for q in sentence.quantities
            if q.dimension == quantity.dimension
            and (q.span.start not in used or _quantity_relation(quantity, q) == _AGREE)
        ]
        if not same:
            out.append((_OPEN, (quantity.span.text, _nothing("quantity"))))
            continue
        ranked = sorted(
            same,
            key=lambda q: (_quantity_relation(quantity, q), -abs(q.value - quantity.value)),
            reverse=True,
        )
        best = ranked[0]
        out.append(
            (
                _quantity_relation(quantity, best),
                (quantity.span.text, SlotConflict("quantity", quantity.span.text, best.span.text)),
            )
        )
    return out


def _quantity_relation(claim: QuantitySlot, source: QuantitySlot) -> int:
    lex = lexicon()
    approximate = "~" in (claim.operator, source.operator)
    tolerance = lex.approximate_tolerance if approximate else lex.exact_tolerance
    slack = max(claim.precision, source.precision) + tolerance * max(
        abs(claim.value), abs(source.value)
    )
    c, s = claim.value, source.value
    if claim.operator in {">", ">="}:
        if source.operator in {"<", "<="}:
            return _CONFLICT if s <= c else _OPEN
        return _AGREE if s > c - claim.precision else _CONFLICT
    if claim.operator in {"<", "<="}:
        if source.operator in {">", ">="}:
            return _CONFLICT if s >= c else _OPEN
        return _AGREE if s < c + claim.precision else _CONFLICT
    if source.operator in {">", ">="}:
        return _OPEN if c > s - slack else _CONFLICT
    if source.operator in {"<", "<="}:
        return _OPEN if c < s + slack else _CONFLICT
    return _AGREE if abs(c - s) <= slack else _CONFLICT


def _mentioned(name: NameSlot, sentence: Slots, sentence_words: frozenset[str]) -> bool:
    if all(stem(t) in sentence_words for t in name.key):
        return True
    return any(_same_name(name, other) for other in sentence.names)


def _same_name(a: NameSlot, b: NameSlot) -> bool:
    """One name's words are all in the other's ("Buzz Aldrin", "Edwin 'Buzz' Aldrin"), and
    they hold the same numbers ("Apollo" is not "Apollo 11", nor "Apollo 11" "Apollo 12")."""
    ka, kb = _undotted(a.key), _undotted(b.key)
    if _initials(ka) == kb or _initials(kb) == ka:
        return True  # "MLB" and "Major League Baseball"
    short, long = sorted((set(ka), set(kb)), key=len)
    numbers = {t for t in ka if any(ch.isdigit() for ch in t)}
    same_numbers = numbers == {t for t in kb if any(ch.isdigit() for ch in t)}
    return bool(short) and short <= long and same_numbers


def _undotted(key: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t.replace(".", "") for t in key)


def _initials(key: tuple[str, ...]) -> tuple[str, ...]:
    return ("".join(t[0] for t in key),) if len(key) > 1 else ()


_LIST_WORDS = frozenset({"and", "or", "including", "like", "as"})


def _same_place(name: NameSlot, other: NameSlot) -> bool:
    """The sentence's name sits where the claim's does: the same word before it or after
    it. A name in a list ("including X, Y and Z") takes no one's place."""
    for mine, theirs in ((name.before, other.before), (name.after, other.after)):
        if mine and mine == theirs and not _listed(mine):
            return True
    return False


def _listed(neighbour: str) -> bool:
    return (
        neighbour in _LIST_WORDS
        or neighbour in {",", ""}
        or (neighbour.startswith(",") and neighbour[1:] in _LIST_WORDS)
    )


def _related(a: NameSlot, b: NameSlot) -> bool:
    """Names that never contradict each other ("English" and "British"), from the data."""
    pair = frozenset({" ".join(a.key), " ".join(b.key)})
    return pair in lexicon().related_names


def _name_conflicts(
    claim: Slots, sentence: Slots, predicate_holds: bool
) -> tuple[list[SlotConflict], bool]:
    """The claim's names the sentence puts another name in place of, and whether the
    sentence is about someone or something else: it leaves out the claim's subject, or
    leaves out one of the claim's names while naming another that takes no place of
    theirs ("Apollo 8 ... orbit the Moon" for a claim about Apollo 11)."""
    sentence_words = _words_of(sentence)
    missing = [n for n in claim.names if not _mentioned(n, sentence, sentence_words)]
    claim_words = claim.stems
    extra = [
        n
        for n in sentence.names
        if not any(_same_name(n, c) or _related(n, c) for c in claim.names)
        and not all(stem(t) in claim_words for t in n.key)
    ]
    missing = [n for n in missing if not any(_related(n, o) for o in sentence.names)]
    out: list[SlotConflict] = []
    unmatched: list[NameSlot] = []
    for name in missing:
        rival = next(
            (
                o
                for o in extra
                if (name.before and name.before == o.before)
                or (name.after and name.after == o.after)
            ),
            None,
        )
        if rival is not None and predicate_holds:
            subject = name is claim.names[0]
            out.append(SlotConflict("name", name.span.text, rival.span.text, subject=subject))
            extra.remove(rival)
        else:
            unmatched.append(name)
    subject_left_out = bool(claim.names) and claim.names[0] in unmatched
    return out, subject_left_out or bool(unmatched and extra)


ROLE_WORDS = 2
"""Content words of a role ("lunar module pilot") the sentence must put before another name."""


def _role_conflicts(claim: Slots, sentence: Slots) -> list[SlotConflict]:
    """A name the sentence mentions in another role: "Michael Collins was the lunar module
    pilot" against "command module pilot Michael Collins and lunar module pilot Edwin
    'Buzz' Aldrin". The claim's role of a name is the words after its first name, and the
    words before each of its third and later names (the words between the first two are
    the first's); the sentence's, the words before each name (as lists write roles)."""
    out: list[SlotConflict] = []
    before = {
        id(n): _stems(_window(sentence, i, after=False)) for i, n in enumerate(sentence.names)
    }
    for i, name in enumerate(claim.names):
        if i == 1:
            continue
        role = _stems(_window(claim, i, after=i == 0))
        if len(role) < ROLE_WORDS:
            continue
        own = max(
            (len(role & before[id(o)]) for o in sentence.names if _same_name(name, o)), default=-1
        )
        own_window = max(
            (len(before[id(o)]) for o in sentence.names if _same_name(name, o)), default=0
        )
        if own < 0 or own_window == 0:
            continue  # the sentence gives the name no role of its own: not a list of roles
        rival = max(
            (o for o in sentence.names if not any(_same_name(o, c) for c in claim.names)),
            key=lambda o: len(role & before[id(o)]),
            default=None,
        )
        if rival is None:
            continue
        shared = len(role & before[id(rival)])
        if shared >= ROLE_WORDS and shared == len(role) and shared > own:
            out.append(SlotConflict("name", name.span.text, rival.span.text, subject=i == 0))
    return out


ROLE_WINDOW = 5
"""Words around a name that can hold its role."""


def _window(slots: Slots, index: int, *, after: bool) -> str:
    """The words after (or before) a name, up to the next name, a clause boundary (a comma,
    "and", "or") and :data:`ROLE_WINDOW` words: the role that is attached to it."""
    names = slots.names
    if after:
        end = names[index + 1].span.start if index + 1 < len(names) else len(slots.text)
        text = _ROLE_BOUNDARY.split(slots.text[names[index].span.end : end])[0]
        return " ".join(text.split()[:ROLE_WINDOW])
    start = names[index - 1].span.end if index > 0 else 0
    text = _ROLE_BOUNDARY.split(slots.text[start : names[index].span.start])[-1]
    return " ".join(text.split()[-ROLE_WINDOW:])


_ROLE_BOUNDARY = re.compile(r"[,;:()]|\s(?:and|or|but|while|who|which)\s")


def _stems(text: str) -> set[str]:
    return {
        stem(w.lower())
        for w in words(text)
        if w.lower() not in stop_words("en") and not w[:1].isdigit()
    }


def _polarity_conflicts(claim: Slots, sentence: Slots, *, negation: bool) -> list[SlotConflict]:
    """An antonym in place of the claim's word; with ``negation``, also a negation on one
    side only (that needs more of the predicate in common: a negated clause elsewhere in
    the sentence is common)."""
    out: list[SlotConflict] = []
    mine, theirs = claim.polarity, sentence.polarity
    for word in sorted(mine.words):
        opposite = lexicon().antonyms.get(word, frozenset()) & theirs.words
        if opposite and word not in theirs.words:
            found = sorted(opposite)[0]
            if _in_shared_clause(claim, sentence, sentence.text.lower().find(found)):
                out.append(SlotConflict("polarity", word, found))
    if (
        negation
        and mine.negated != theirs.negated
        and not out
        and _negation_on_predicate(claim, sentence)
    ):
        out.append(
            SlotConflict(
                "polarity",
                _phrase(claim.text, mine.negations[0].start) if mine.negated else NO_NEGATION,
                _phrase(sentence.text, theirs.negations[0].start)
                if theirs.negated
                else NO_NEGATION,
            )
        )
    return out


_CLAUSE = re.compile(r"[,;:()]|\s(?:and|but|while|although|because|which|who|whereas)\s")


def _negation_on_predicate(claim: Slots, sentence: Slots) -> bool:
    """The negation sits in the clause that holds what the two share: "will have nothing to
    do with Starbucks" after a comma negates another thing than the claim's."""
    negated = claim if claim.polarity.negated else sentence
    plain = sentence if negated is claim else claim
    if {w.lower() for w in words(plain.text)} & lexicon().negative_words:
        return False  # "not allowed" against "banned": no without a negation
    other = sentence if negated is claim else claim
    return any(_in_shared_clause(other, negated, cue.start) for cue in negated.polarity.negations)


def _in_shared_clause(other: Slots, slots: Slots, position: int) -> bool:
    """The clause of ``slots.text`` around ``position`` holds at least half of the content
    words the two texts share: a word there bears on what they have in common."""
    shared = _stems(other.text) & _stems(slots.text)
    if not shared or position < 0:
        return False
    text = slots.text
    start = max((m.end() for m in _CLAUSE.finditer(text, 0, position)), default=0)
    following = _CLAUSE.search(text, position + 1)
    end = following.start() if following else len(text)
    return len(_stems(text[start:end]) & shared) * 2 >= len(shared)


def _phrase(text: str, start: int, n_words: int = 3) -> str:
    return " ".join(text[start:].split()[:n_words]).rstrip(".,;:")


def _nothing(kind: str) -> SlotConflict:
    return SlotConflict("date" if kind == "date" else "quantity", "", "")
