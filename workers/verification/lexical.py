"""A word-overlap stance scorer: the v1 baseline behind the :class:`StanceScorer` protocol.

For each evidence sentence:

* **relevance** is the share of the claim's content words (light-stemmed, numbers left
  out) found in the sentence; words found only in its context (document title, previous
  sentence) count half. Matching every number of the claim adds a small bonus.
* a sentence that is clearly about the claim **refutes** it when the clause closest to the
  claim has the opposite polarity (one is negated, the other is not), when the sentence
  gives a different year (or other number) where the claim gives one, or when it uses the
  opposite of one of the claim's words ("adopted" vs "rejected");
* otherwise it **supports** in proportion to the overlap, less for every key word of the
  claim it lacks (a number, a name, a word with a known opposite), and is neutral when
  the overlap is low.

Deliberately simple and explainable; a learned cross-encoder will replace it behind the
same interface.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from workers.retrieval_words import (
    content_stems,
    has_negation,
    is_year,
    numbers,
    proper_nouns,
    stem,
    words,
)
from workers.verification.stance import StanceScore

# Word forms that say the opposite of each other; compared after stemming.
_ANTONYM_WORDS = (
    ("adopt adopted adopts", "reject rejected rejects vetoed"),
    ("approve approved approves", "reject rejected rejects"),
    ("win wins won", "lose loses lost"),
    ("increase increased increases rise rises rose", "decrease decreased decreases fall fell"),
    ("agree agreed agrees", "disagree disagreed disagrees"),
    ("confirm confirmed confirms", "deny denied denies"),
    ("allow allowed allows", "ban banned bans"),
    ("open opened opens", "close closed closes"),
    ("unanimously", "divided"),
)

# Where a sentence breaks into clauses that may differ in polarity.
_CLAUSE_BREAK = re.compile(
    r"[;:,]\s+|\s+(?:and that|but|while|whereas|although|though|however|instead)\s+",
    re.IGNORECASE,
)


def _antonym_table() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for left, right in _ANTONYM_WORDS:
        left_stems = {stem(w) for w in left.split()}
        right_stems = {stem(w) for w in right.split()}
        for s in left_stems:
            table.setdefault(s, set()).update(right_stems)
        for s in right_stems:
            table.setdefault(s, set()).update(left_stems)
    return {k: frozenset(v) for k, v in table.items()}


_ANTONYMS = _antonym_table()


@dataclass(frozen=True)
class LexicalParams:
    """Tuning knobs of :class:`LexicalStanceScorer` (defaults fit short reference notes)."""

    min_relevance: float = 0.3
    """Below this a sentence is off-topic: neutral whatever it says."""
    conflict_relevance: float = 0.45
    """A sentence must share at least this much of the claim, by itself, to refute it."""
    clause_coverage: float = 0.6
    """A negated clause must hold this share of the claim's words to contradict it ..."""
    clause_focus: float = 0.35
    """... and this share of the clause's words must come from the claim."""
    missing_key_factor: float = 0.7
    """Support is multiplied by this for each number or name of the claim the sentence lacks."""
    missing_polar_factor: float = 0.5
    """... and by this when it lacks a claim word with a known opposite ("rejected")."""
    own_support: float = 0.5
    """Below this share of claim words in the sentence itself, support shrinks in proportion."""
    number_relevance: float = 0.5
    """... and this much before a different year or number counts against the claim."""
    support_floor: float = 0.25
    """Relevance at which support starts to rise above zero."""
    support_full: float = 0.8
    """Relevance at which support reaches ``max_stance``."""
    max_stance: float = 0.95
    """No single sentence is ever fully certain."""


@dataclass(frozen=True)
class _Claim:
    stems: frozenset[str]
    negated: bool
    years: frozenset[str]
    other_numbers: frozenset[str]
    names: frozenset[str]
    polar: frozenset[str]
    """Claim words with a known opposite ("adopted", "won")."""

    @property
    def all_numbers(self) -> frozenset[str]:
        return self.years | self.other_numbers


class LexicalStanceScorer:
    """Scores (claim, sentence) pairs from word overlap, negation, numbers and antonyms.

    Stateless apart from its parameters, hence thread- and fork-safe.
    """

    name = "lexical"

    def __init__(self, params: LexicalParams | None = None) -> None:
        self.params = params or LexicalParams()

    def score(
        self, claim: str, sentences: Sequence[str], *, context: Sequence[str] | None = None
    ) -> list[StanceScore]:
        if context is not None and len(context) != len(sentences):
            raise ValueError("context must have one entry per sentence")
        parsed = _parse_claim(claim)
        return [
            self._score_one(parsed, sentence, context[i] if context is not None else "")
            for i, sentence in enumerate(sentences)
        ]

    def score_passage(self, claim: str, sentences: Sequence[str]) -> StanceScore:
        return self._score_one(_parse_claim(claim), " ".join(sentences), "")

    def _score_one(self, claim: _Claim, sentence: str, context: str) -> StanceScore:
        p = self.params
        if not claim.stems:
            return _neutral(0.0)
        sentence_stems = content_stems(sentence)
        own = _overlap(claim.stems, sentence_stems)
        with_context = _overlap(claim.stems, sentence_stems | content_stems(context))
        relevance = own + 0.5 * (with_context - own)
        sentence_numbers = numbers(sentence)
        if claim.all_numbers and claim.all_numbers <= sentence_numbers:
            relevance += 0.1
        relevance = min(1.0, relevance)
        if relevance < p.min_relevance:
            return _neutral(relevance)

        conflict = self._conflict(claim, sentence, own, sentence_numbers)
        if conflict > 0:
            refutes = min(p.max_stance, (0.45 + 0.5 * relevance) * conflict)
            supports = 0.0
        else:
            refutes = 0.0
            rise = (relevance - p.support_floor) / (p.support_full - p.support_floor)
            supports = min(p.max_stance, max(0.0, rise))
            # context resolves references; it must not make a sentence agree by itself
            supports *= min(1.0, own / p.own_support)
            supports *= p.missing_key_factor ** _missing_keys(claim, sentence, context)
            if claim.polar - {stem(w) for w in words(sentence)}:
                supports *= p.missing_polar_factor
        neutral = max(0.0, 1.0 - supports - refutes)
        return StanceScore(supports=supports, refutes=refutes, neutral=neutral, relevance=relevance)

    def _conflict(
        self, claim: _Claim, sentence: str, own: float, sentence_numbers: set[str]
    ) -> float:
        """0 when nothing contradicts the claim; up to 1 for the clearest contradiction."""
        p = self.params
        if own < p.conflict_relevance:
            return 0.0
        strength = 0.0
        clause = _closest_clause(claim.stems, sentence)
        clause_stems = content_stems(clause)
        coverage = _overlap(claim.stems, clause_stems)
        focus = len(claim.stems & clause_stems) / len(clause_stems) if clause_stems else 0.0
        if (
            has_negation(clause) != claim.negated
            and coverage >= p.clause_coverage
            and focus >= p.clause_focus
        ):
            strength = 0.9
        if _has_antonym(claim.stems, {stem(w) for w in words(clause)}):
            strength = max(strength, 0.9)
        if own >= p.number_relevance:
            # the more of the claim the sentence shares, the surer a different number is
            certainty = min(1.0, 0.5 + (own - p.number_relevance))
            sentence_years = {n for n in sentence_numbers if is_year(n)}
            if claim.years and sentence_years and not claim.years & sentence_years:
                strength = max(strength, certainty)
            others = sentence_numbers - sentence_years
            if claim.other_numbers and others and not claim.other_numbers & others:
                strength = max(strength, 0.8 * certainty)
        return strength


def _parse_claim(claim: str) -> _Claim:
    nums = numbers(claim)
    years = frozenset(n for n in nums if is_year(n))
    stems = frozenset(content_stems(claim))
    return _Claim(
        stems=stems,
        negated=has_negation(claim),
        years=years,
        other_numbers=frozenset(nums - years),
        names=frozenset(proper_nouns(claim)),
        polar=frozenset(t for t in stems if t in _ANTONYMS),
    )


def _missing_keys(claim: _Claim, sentence: str, context: str) -> int:
    """How many numbers and names of the claim neither the sentence nor its context has.

    Context counts here: the document title may say who "he" is or which year it was.
    """
    present = {stem(w) for w in words(sentence)} | {stem(w) for w in words(context)}
    missing = len(claim.all_numbers - numbers(sentence) - numbers(context))
    missing += len(claim.names - present)
    return missing


def _overlap(claim_stems: frozenset[str], other: set[str]) -> float:
    return len(claim_stems & other) / len(claim_stems) if claim_stems else 0.0


def _closest_clause(claim_stems: frozenset[str], sentence: str) -> str:
    """The clause of ``sentence`` that shares most words with the claim (first on ties)."""
    clauses = [c for c in _CLAUSE_BREAK.split(sentence) if c.strip()]
    if len(clauses) <= 1:
        return sentence
    return max(clauses, key=lambda c: len(claim_stems & content_stems(c)))


def _has_antonym(claim_stems: frozenset[str], sentence_stems: set[str]) -> bool:
    """True when the sentence uses the opposite of a claim word and not the word itself."""
    for token in claim_stems:
        opposites = _ANTONYMS.get(token)
        if not opposites or token in sentence_stems:
            continue
        if opposites & sentence_stems and not opposites & claim_stems:
            return True
    return False


def _neutral(relevance: float) -> StanceScore:
    return StanceScore(supports=0.0, refutes=0.0, neutral=1.0, relevance=relevance)
