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

Conflicts of two kinds or more (another name *and* another date) mean the sentence is
about another fact (a look-alike event): the pair is ``unaligned``. One kind: ``conflict``.
None: ``agree``, with the claim's slots the sentence did not state counted as open.
"""

from __future__ import annotations

from shared.slots.lexicon import lexicon
from shared.slots.model import (
    Alignment,
    DateSlot,
    NameSlot,
    QuantitySlot,
    SlotConflict,
    Slots,
)
from shared.text import stem, stop_words, words

ALIGN_COVERAGE = 0.5
"""Share of the claim's content stems the sentence must contain to be about its fact."""
ALIGN_PREDICATE = 0.5
"""The same for the content stems outside the claim's names (what is said of them)."""
POLARITY_PREDICATE = 0.6
"""Predicate coverage from which a negation on one side only is a conflict."""
NAME_PREDICATE = 0.75
"""Predicate coverage from which another name in the claim's name's place is a conflict."""

_AGREE, _OPEN, _CONFLICT = 2, 1, 0


def compare(claim: Slots, sentence: Slots, *, similar: bool = False) -> Alignment:
    """``similar``: the two are close in meaning by other means (embeddings), so the
    predicate may be worded differently ("long" and "length")."""
    coverage, predicate, name_coverage = _coverages(claim, sentence)
    subject = not claim.names or _mentioned(claim.names[0], sentence, _words_of(sentence))
    unaligned = Alignment("unaligned", coverage=coverage, name_coverage=name_coverage, subject=subject)
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
    if predicate >= POLARITY_PREDICATE:
        conflicts += _polarity_conflicts(claim, sentence)
    if len({c.kind for c in conflicts}) > 1 or (conflicts and about_another):
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


def _words_of(slots: Slots) -> set[str]:
    return {stem(w.lower()) for w in words(slots.text)} | slots.content


def _coverages(claim: Slots, sentence: Slots) -> tuple[float, float, float]:
    sentence_words = _words_of(sentence)
    name_words = {stem(t) for n in claim.names for t in n.key}
    content = claim.content
    predicate_words = content - name_words
    coverage = len(content & sentence_words) / len(content) if content else 1.0
    predicate = len(predicate_words & sentence_words) / len(predicate_words) if predicate_words else coverage
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
            o for o in sentence.dates if o.span.start not in used or _date_relation(date, o) == _AGREE
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
        out.append((relation, (date.span.text, SlotConflict("date", date.span.text, best.span.text))))
    return out


def _date_key(d: DateSlot) -> tuple[int, int, int]:
    return (d.year or (d.decade or 0), d.month or 0, d.day or 0)


def _date_relation(claim: DateSlot, source: DateSlot) -> int:
    if claim.anchor in {"before", "after", "by", "until"} and source.anchor not in {"before", "after", "by", "until"} and source.year:
        if claim.year is None:
            return _OPEN
        later = _date_key(source) > _date_key(claim)
        earlier = _date_key(source) < _date_key(claim)
        holds = later if claim.anchor == "after" else earlier or (claim.anchor != "before" and not later)
        return _AGREE if holds else _CONFLICT
    if claim.decade is not None or source.decade is not None:
        cd = claim.decade if claim.decade is not None else (claim.year or 0) // 10 * 10
        sd = source.decade if source.decade is not None else (source.year or 0) // 10 * 10
        if cd != sd:
            return _CONFLICT
        return _AGREE if claim.decade is not None else _OPEN
    for mine, theirs in ((claim.year, source.year), (claim.month, source.month), (claim.day, source.day)):
        if mine is not None and theirs is not None and mine != theirs:
            return _CONFLICT
    for mine, theirs in ((claim.year, source.year), (claim.month, source.month), (claim.day, source.day)):
        if mine is not None and theirs is None:
            return _OPEN
    return _AGREE


def _shared_fields(a: DateSlot, b: DateSlot) -> int:
    return sum(x is not None and x == y for x, y in ((a.year, b.year), (a.month, b.month), (a.day, b.day)))


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
    slack = max(claim.precision, source.precision) + tolerance * max(abs(claim.value), abs(source.value))
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


def _mentioned(name: NameSlot, sentence: Slots, sentence_words: set[str]) -> bool:
    if any(_same_name(name, other) for other in sentence.names):
        return True
    return all(stem(t) in sentence_words for t in name.key)


def _same_name(a: NameSlot, b: NameSlot) -> bool:
    """One name's words are all in the other's ("Buzz Aldrin", "Edwin 'Buzz' Aldrin"), and
    they hold the same numbers ("Apollo" is not "Apollo 11", nor "Apollo 11" "Apollo 12")."""
    short, long = sorted((set(a.key), set(b.key)), key=len)
    numbers = {t for t in a.key if any(ch.isdigit() for ch in t)}
    same_numbers = numbers == {t for t in b.key if any(ch.isdigit() for ch in t)}
    return bool(short) and short <= long and same_numbers


def _name_conflicts(
    claim: Slots, sentence: Slots, predicate_holds: bool
) -> tuple[list[SlotConflict], bool]:
    """The claim's names the sentence puts another name in place of, and whether the
    sentence is about someone or something else: it leaves out the claim's subject, or
    leaves out one of the claim's names while naming another that takes no place of
    theirs ("Apollo 8 ... orbit the Moon" for a claim about Apollo 11)."""
    sentence_words = _words_of(sentence)
    missing = [n for n in claim.names if not _mentioned(n, sentence, sentence_words)]
    claim_words = {stem(w.lower()) for w in words(claim.text)}
    extra = [
        n
        for n in sentence.names
        if not any(_same_name(n, c) for c in claim.names) and not all(stem(t) in claim_words for t in n.key)
    ]
    out: list[SlotConflict] = []
    unmatched: list[NameSlot] = []
    for name in missing:
        rival = next(
            (o for o in extra if (name.before and name.before == o.before) or (name.after and name.after == o.after)),
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
    before = {id(n): _stems(_window(sentence, i, after=False)) for i, n in enumerate(sentence.names)}
    for i, name in enumerate(claim.names):
        if i == 1:
            continue
        role = _stems(_window(claim, i, after=i == 0))
        if len(role) < ROLE_WORDS:
            continue
        own = max((len(role & before[id(o)]) for o in sentence.names if _same_name(name, o)), default=-1)
        if own < 0:
            continue
        rival = max(
            (o for o in sentence.names if not any(_same_name(o, c) for c in claim.names)),
            key=lambda o: len(role & before[id(o)]),
            default=None,
        )
        if rival is None:
            continue
        shared = len(role & before[id(rival)])
        if shared >= ROLE_WORDS and shared * 3 >= len(role) * 2 and shared > own:
            out.append(SlotConflict("name", name.span.text, rival.span.text, subject=i == 0))
    return out


def _window(slots: Slots, index: int, *, after: bool) -> str:
    names = slots.names
    if after:
        end = names[index + 1].span.start if index + 1 < len(names) else len(slots.text)
        return slots.text[names[index].span.end : end]
    start = names[index - 1].span.end if index > 0 else 0
    return slots.text[start : names[index].span.start]


def _stems(text: str) -> set[str]:
    return {stem(w.lower()) for w in words(text) if w.lower() not in stop_words("en") and not w[:1].isdigit()}


def _polarity_conflicts(claim: Slots, sentence: Slots) -> list[SlotConflict]:
    out: list[SlotConflict] = []
    mine, theirs = claim.polarity, sentence.polarity
    for word in sorted(mine.words):
        opposite = lexicon().antonyms.get(word, frozenset()) & theirs.words
        if opposite and word not in theirs.words:
            out.append(SlotConflict("polarity", word, sorted(opposite)[0]))
    if mine.negated != theirs.negated and not out:
        out.append(
            SlotConflict(
                "polarity",
                _phrase(claim.text, mine.negations[0].start) if mine.negated else "stated without negation",
                _phrase(sentence.text, theirs.negations[0].start) if theirs.negated else "stated without negation",
            )
        )
    return out


def _phrase(text: str, start: int, n_words: int = 3) -> str:
    return " ".join(text[start:].split()[:n_words]).rstrip(".,;:")


def _nothing(kind: str) -> SlotConflict:
    return SlotConflict("date" if kind == "date" else "quantity", "", "")
