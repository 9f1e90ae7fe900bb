"""The typed slots of a statement, and what comparing two statements' slots found.

A slot is a detail a reporter can get wrong: a date, a quantity (number, scale, unit,
currency, bound, sign), a name, or the statement's polarity. Slots are plain frozen data:
:mod:`shared.slots.text_slots` finds them, :mod:`shared.slots.compare` compares them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SlotKind = Literal["date", "quantity", "name", "polarity"]
AlignmentResult = Literal["agree", "conflict", "unaligned"]


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str
    """As written (whitespace collapsed)."""


@dataclass(frozen=True)
class DateSlot:
    span: Span
    year: int | None
    month: int | None
    day: int | None
    decade: int | None = None
    """For "the 1960s": 1960 (``year`` is then None)."""
    anchor: str | None = None
    """The word that places it: in, on, since, before, after, by, until, from."""

    @property
    def granularity(self) -> str:
        if self.day is not None:
            return "day"
        if self.month is not None:
            return "month"
        return "year" if self.year is not None else "decade"

    def canonical(self) -> str:
        parts = [str(self.year or ""), str(self.month or ""), str(self.day or "")]
        decade = f"{self.decade}s" if self.decade is not None else ""
        return f"date:{self.anchor or ''}:{'-'.join(parts)}{decade}"


@dataclass(frozen=True)
class QuantitySlot:
    span: Span
    value: float
    """In the dimension's base unit (metres, kilograms, seconds, ...), scale applied."""
    dimension: str
    """length, mass, duration, ..., ``money:<ISO code>``, ``percent``, ``count:<noun>``,
    ``ordinal:<noun>``, or ``number`` for a bare number."""
    operator: str = "="
    """= ~ > >= < <=: as stated ("about", "more than", "≤")."""
    precision: float = 0.0
    """Half the step of the last digit written, in base units (rounding slack)."""

    def canonical(self) -> str:
        return f"quantity:{self.dimension}:{self.operator}:{self.value:.6g}"


@dataclass(frozen=True)
class NameSlot:
    span: Span
    key: tuple[str, ...]
    """Folded tokens, titles and possessives dropped."""
    before: str
    """The word before it (determiners skipped), lower case: where it sits."""
    after: str

    def canonical(self) -> str:
        return "name:" + " ".join(self.key)


@dataclass(frozen=True)
class PolaritySlot:
    negations: tuple[Span, ...]
    """The negation cues, as written."""
    words: frozenset[str]
    """Lower-case words and phrases that have an antonym in the lexicon."""

    @property
    def negated(self) -> bool:
        return bool(self.negations)

    def canonical(self) -> list[str]:
        out = ["polarity:negated" if self.negated else "polarity:plain"]
        return out + [f"polarity:word:{w}" for w in sorted(self.words)]


@dataclass(frozen=True)
class Slots:
    """Every typed slot of one text."""

    text: str
    dates: tuple[DateSlot, ...]
    quantities: tuple[QuantitySlot, ...]
    names: tuple[NameSlot, ...]
    polarity: PolaritySlot
    content: frozenset[str]
    """Stems of the content words outside the slots: what the statement is about."""
    stems: frozenset[str] = frozenset()
    """Stems of every word (and the content stems): what a name or a word is looked up in."""

    def signature(self) -> tuple[str, ...]:
        """Every detail that changes what the text states, canonical and sorted: two
        texts with different signatures are never the same claim."""
        items = [d.canonical() for d in self.dates]
        items += [q.canonical() for q in self.quantities]
        items += [n.canonical() for n in self.names]
        items += self.polarity.canonical()
        return tuple(sorted(items))


@dataclass(frozen=True)
class SlotConflict:
    """One detail the claim and the source state differently."""

    kind: SlotKind
    claim: str
    source: str
    subject: bool = False
    """For a name: the claim's first name (its subject, usually)."""

    def describe(self) -> str:
        return f"claim: {self.claim} · source: {self.source}"


@dataclass(frozen=True)
class Alignment:
    """One (claim, sentence) pair, compared."""

    result: AlignmentResult
    conflicts: tuple[SlotConflict, ...] = ()
    agreed: tuple[str, ...] = ()
    """The claim's details the sentence states the same (as written in the claim)."""
    open_slots: int = 0
    """Claim details the sentence does not state (or states less precisely)."""
    coverage: float = 0.0
    """Share of the claim's content stems the sentence contains."""
    name_coverage: float = 1.0
    """Share of the claim's names the sentence mentions (1 when it has none)."""
    subject: bool = True
    """The sentence mentions the claim's first name (its subject, usually)."""

    @property
    def complete(self) -> bool:
        """Aligned, nothing conflicts, every detail and every name of the claim stated."""
        return self.result == "agree" and self.open_slots == 0 and self.name_coverage == 1.0

    @property
    def subject_conflict(self) -> bool:
        """The conflict is the subject's name: maybe a slip, maybe a look-alike's sentence."""
        return any(c.kind == "name" and c.subject for c in self.conflicts)


def overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    """Whether [start, end) overlaps one of the ``taken`` spans."""
    return any(start < e and s < end for s, e in taken)
