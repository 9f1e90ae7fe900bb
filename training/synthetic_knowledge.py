"""Stance v3 synthetic pairs: the world knowledge the swaps and cuts read.

Scale words, units and their dimensions, auxiliaries and contractions, name stop words and
clause starts come from ``training/data/synthetic_knowledge.json``; :class:`Knowledge`
holds them, and :func:`_patterns` the regular expressions built from them once. Kept
apart from the swaps (:mod:`training.synthetic_swaps`) so that the data file's reading is
in one place and the swaps stay a list of functions.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

KNOWLEDGE_FILE = Path(__file__).resolve().parent / "data" / "synthetic_knowledge.json"


def _symmetric(pairs: Iterable[Sequence[str]]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = defaultdict(list)
    for a, b in pairs:
        out[a].append(b)
        out[b].append(a)
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


@dataclass(frozen=True)
class Knowledge:
    scale: dict[str, tuple[str, ...]]
    unit_swaps: dict[str, tuple[str, ...]]
    unit_dimension: dict[str, str]
    dimension_forms: dict[str, tuple[str, ...]]
    auxiliaries: frozenset[str]
    perfect_auxiliaries: frozenset[str]
    do_auxiliaries: frozenset[str]
    contractions: dict[str, str]
    removable_adverbs: frozenset[str]
    insert_blockers: frozenset[str]
    determiners: frozenset[str]
    negation_blockers: tuple[str, ...]
    name_stopwords: frozenset[str]
    name_max_words: int
    clause_starts: frozenset[str]
    min_tail_words_for_and: int

    @classmethod
    def load(cls, path: Path = KNOWLEDGE_FILE) -> Knowledge:
        raw = json.loads(path.read_text(encoding="utf-8"))
        units = raw["units"]
        unit_swaps: dict[str, tuple[str, ...]] = {}
        unit_dimension: dict[str, str] = {}
        forms: dict[str, tuple[str, ...]] = {}
        for dim, spec in units.items():
            swaps = _symmetric(spec["swaps"])
            for word, partners in swaps.items():
                unit_swaps[word] = tuple(dict.fromkeys((*unit_swaps.get(word, ()), *partners)))
                unit_dimension.setdefault(word, dim)
            forms[dim] = tuple(dict.fromkeys([*swaps, *spec["abbreviations"]]))
        neg = raw["negation"]
        names = raw["names"]
        coarser = raw["coarser"]
        return cls(
            scale=_symmetric(raw["scale_words"]),
            unit_swaps=unit_swaps,
            unit_dimension=unit_dimension,
            dimension_forms=forms,
            auxiliaries=frozenset(neg["auxiliaries"]),
            perfect_auxiliaries=frozenset(neg["perfect_auxiliaries"]),
            do_auxiliaries=frozenset(neg["do_auxiliaries"]),
            contractions=dict(neg["contractions"]),
            removable_adverbs=frozenset(neg["removable_adverbs"]),
            insert_blockers=frozenset(neg["insert_blockers"]),
            determiners=frozenset(neg["determiners"]),
            negation_blockers=tuple(neg["blockers"]),
            name_stopwords=frozenset(names["stopwords"]),
            name_max_words=int(names["max_words"]),
            clause_starts=frozenset(coarser["trailing_clause_starts"]),
            min_tail_words_for_and=int(coarser["min_tail_words_for_and"]),
        )


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


class _Patterns:
    """Regular expressions built once from the knowledge."""

    def __init__(self, kn: Knowledge) -> None:
        number = r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
        self.scale = re.compile(number + r"\s+(" + _alternation(kn.scale) + r")\b", re.I)
        self.unit = re.compile(number + r"(\s|-)(" + _alternation(kn.unit_swaps) + r")(?![\w/])")
        self.dimension = {
            dim: re.compile(r"\d\s?-?(?:" + _alternation(forms) + r")(?![\w/])")
            for dim, forms in kn.dimension_forms.items()
        }
        aux = _alternation(kn.auxiliaries)
        self.aux_not = re.compile(r"\b(" + aux + r") not\b")
        self.contraction = re.compile(r"\b(" + _alternation(kn.contractions) + r")(?!\w)", re.I)
        self.adverb = re.compile(r"\b(" + _alternation(kn.removable_adverbs) + r") ", re.I)
        self.aux_word = re.compile(r"\b(" + aux + r") ([A-Za-z][\w'-]*)")
        self.blockers = re.compile(
            r"\b(" + "|".join(re.escape(b) for b in kn.negation_blockers) + r")\b", re.I
        )


_PATTERNS: dict[int, _Patterns] = {}


def _patterns(kn: Knowledge) -> _Patterns:
    key = id(kn)
    if key not in _PATTERNS:
        _PATTERNS[key] = _Patterns(kn)
    return _PATTERNS[key]
