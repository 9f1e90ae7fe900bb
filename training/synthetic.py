"""Stance v3 synthetic pairs: claims made from the evidence sentences of the train files.

Every pair is (claim, evidence sentence) where the claim is built from a sentence of a
training file's evidence and the evidence is that sentence or one of its document:

* refuted: a copy of the sentence with one typed detail swapped: a year (shifted), a date
  (day or month changed), a number (changed by a clear factor), a scale word (million <->
  billion), a unit (metres <-> feet, days <-> weeks), a capitalised name (swapped for
  another name of the same document's sentences) or a negation (inserted after an
  auxiliary, or removed). Comparisons and approximations ("more than 5 million", "about
  1990") are never touched: a swap under them can keep the claim true.
* supported: the sentence itself, or a coarser claim: the sentence without its
  parentheticals, without a trailing clause, without a trailing time detail, or with a
  full date cut to its year ("on 20 July 1969" -> "in 1969").
* not_enough_info: one sentence as the claim, another sentence of the same document or
  page that shares a content word but little else as the evidence (never a revision of
  the claim's sentence: same VitaminC case, or content-word Jaccard above a bound).

The world knowledge (scale words, units, auxiliaries, name stop words, clause starts) is
in ``training/data/synthetic_knowledge.json``. Each kind draws from its own seeded
generator and the selection is seeded, so the output is a function of the inputs.

This module samples the pairs: every candidate of every sentence, then a selection by
label and kind shares, deduplicated. The rules that make them are in
:mod:`training.synthetic_swaps` (refuted), :mod:`training.synthetic_claims` (supported,
not_enough_info), :mod:`training.synthetic_docs` (documents, sentences) and
:mod:`training.synthetic_knowledge` (the data file).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.text.words import normalize_text
from training import synthetic_swaps as swaps
from training.content_words import content_words
from training.synthetic_claims import coarser_claims, nei_partner
from training.synthetic_docs import Doc, eligible, text_key
from training.synthetic_knowledge import Knowledge

REFUTE_KINDS: tuple[str, ...] = ("year", "date", "number", "scale", "unit", "name", "negation")
SUPPORT_KINDS: tuple[str, ...] = ("identity", "coarser")
NEI_KINDS: tuple[str, ...] = ("same_doc",)
LABEL_OF_KIND: dict[str, str] = {
    **dict.fromkeys(REFUTE_KINDS, "refuted"),
    **dict.fromkeys(SUPPORT_KINDS, "supported"),
    **dict.fromkeys(NEI_KINDS, "not_enough_info"),
}
# Shares of the synthetic total per label and, inside a label, per kind. A kind with too
# few candidates leaves its quota to the other kinds of its label.
LABEL_SHARES: dict[str, float] = {"refuted": 0.5, "supported": 0.25, "not_enough_info": 0.25}
KIND_SHARES: dict[str, float] = {
    "year": 0.16,
    "date": 0.08,
    "number": 0.16,
    "scale": 0.04,
    "unit": 0.04,
    "name": 0.32,
    "negation": 0.12,  # mostly insertions: kept small so "not" alone does not mean refuted
    "identity": 0.35,
    "coarser": 0.65,
    "same_doc": 1.0,
}
LEFTOVER_CAP = 1.5  # a kind fills the quota others left, up to this multiple of its own
MAX_PER_SENTENCE: dict[str, int] = {"refuted": 2, "supported": 2, "not_enough_info": 1}


@dataclass(frozen=True)
class SynthPair:
    claim: str
    evidence: str
    label: str
    kind: str  # year | ... | negation | identity | coarser-<sub> | same_doc


RefuteFn = Callable[[str, Knowledge, random.Random], str | None]
REFUTERS: dict[str, RefuteFn] = {
    "year": swaps.swap_year,
    "date": swaps.swap_date,
    "number": swaps.swap_number,
    "scale": swaps.swap_scale,
    "unit": swaps.swap_unit,
    "negation": swaps.toggle_negation,
}


def sentence_pairs(
    doc: Doc,
    i: int,
    names: Sequence[Sequence[tuple[int, int, str]]],
    words: Sequence[set[str]],
    kn: Knowledge,
    rngs: dict[str, random.Random],
) -> list[SynthPair]:
    """Every candidate pair of sentence ``i`` of ``doc``: one per refuting kind that
    applies, the identity, one coarser claim, one same-document not_enough_info pair."""
    s = doc.sentences[i]
    made: list[SynthPair] = []
    for kind, fn in REFUTERS.items():
        claim = fn(s, kn, rngs[kind])
        if claim and claim != s:
            made.append(SynthPair(normalize_text(claim), s, "refuted", kind))
    pool = [n for j, runs in enumerate(names) if j != i for _a, _b, n in runs]
    named = swaps.swap_name(s, kn, rngs["name"], pool)
    if named and named != s:
        made.append(SynthPair(normalize_text(named), s, "refuted", "name"))
    made.append(SynthPair(s, s, "supported", "identity"))
    coarse = coarser_claims(s, kn)
    if coarse:
        sub, claim = rngs["coarser-pick"].choice(coarse)
        made.append(SynthPair(normalize_text(claim), s, "supported", f"coarser-{sub}"))
    partner = nei_partner(i, doc.sentences, words, doc.cases, rngs["same_doc"])
    if partner is not None:
        made.append(SynthPair(s, partner, "not_enough_info", "same_doc"))
    return made


def candidates(
    docs: Sequence[Doc], kn: Knowledge, seed: int | str, blocked: frozenset[str] | set[str]
) -> tuple[dict[str, list[tuple[int, SynthPair]]], dict[str, int]]:
    """Every candidate pair per kind, as (source sentence id, pair); sentences whose key is
    ``blocked`` (dev / evaluation text) are never used, nor claims whose key is."""
    rngs = {k: random.Random(f"{seed}:synthetic:{k}") for k in (*KIND_SHARES, "coarser-pick")}
    out: dict[str, list[tuple[int, SynthPair]]] = defaultdict(list)
    stats: Counter[str] = Counter()
    seen: set[str] = set()
    for doc in docs:
        names = [swaps.name_runs(s, kn) for s in doc.sentences]
        words = [content_words(s) for s in doc.sentences]
        for i, s in enumerate(doc.sentences):
            stats["sentences"] += 1
            if s in seen:
                stats["duplicate"] += 1
                continue
            seen.add(s)
            if not eligible(s):
                stats["ineligible"] += 1
                continue
            if text_key(s) in blocked:
                stats["blocked_sentence"] += 1
                continue
            stats["used"] += 1
            for p in sentence_pairs(doc, i, names, words, kn, rngs):
                if text_key(p.claim) in blocked:
                    stats["blocked_claim"] += 1
                    continue
                out[p.kind.split("-")[0]].append((stats["used"], p))
    return dict(out), dict(stats)


@dataclass
class _Fill:
    """The pairs of one label being chosen (see :func:`select`)."""

    label: str
    want: int
    pools: dict[str, list[tuple[int, SynthPair]]]
    seen_pairs: set[tuple[str, str]]
    chosen: list[SynthPair]
    taken: Counter[str] = field(default_factory=Counter)
    pos: Counter[str] = field(default_factory=Counter)
    per_sentence: Counter[int] = field(default_factory=Counter)

    def take(self, kind: str, limit: int) -> None:
        pool = self.pools[kind]
        while self.taken[kind] < limit and self.pos[kind] < len(pool) and self.full < self.want:
            sid, p = pool[self.pos[kind]]
            self.pos[kind] += 1
            key = (p.claim, p.evidence)
            if self.per_sentence[sid] >= MAX_PER_SENTENCE[self.label] or key in self.seen_pairs:
                continue
            self.per_sentence[sid] += 1
            self.seen_pairs.add(key)
            self.chosen.append(p)
            self.taken[kind] += 1

    @property
    def full(self) -> int:
        return sum(self.taken.values())

    def left(self, kind: str) -> bool:
        return self.pos[kind] < len(self.pools[kind])


def select(
    cands: dict[str, list[tuple[int, SynthPair]]],
    total: int,
    seed: int | str,
    label_shares: dict[str, float] | None = None,
    kind_shares: dict[str, float] | None = None,
) -> tuple[list[SynthPair], dict[str, Any]]:
    """``total`` pairs split by label and kind shares; a kind short of candidates leaves
    its quota to the others of its label; at most ``MAX_PER_SENTENCE`` per source
    sentence and label; (claim, evidence) pairs unique."""
    label_shares = label_shares or LABEL_SHARES
    kind_shares = kind_shares or KIND_SHARES
    rng = random.Random(f"{seed}:synthetic:select")
    chosen: list[SynthPair] = []
    seen_pairs: set[tuple[str, str]] = set()
    report: dict[str, Any] = {"candidates": {k: len(v) for k, v in sorted(cands.items())}}
    for label, kinds in (
        ("refuted", REFUTE_KINDS),
        ("supported", SUPPORT_KINDS),
        ("not_enough_info", NEI_KINDS),
    ):
        want = round(total * label_shares[label])
        pools = {k: list(cands.get(k, [])) for k in kinds}
        for k in kinds:
            rng.shuffle(pools[k])
        fill = _Fill(label, want, pools, seen_pairs, chosen)
        norm = sum(kind_shares[k] for k in kinds)
        quota = {k: round(want * kind_shares[k] / norm) for k in kinds}
        # the scarcest kinds first, so the per-sentence cap does not starve them
        for k in sorted(kinds, key=lambda k: len(pools[k]) / max(1, quota[k])):
            fill.take(k, quota[k])
        # the rest round-robin, a few at a time, no kind beyond LEFTOVER_CAP x its quota
        cap = {k: max(quota[k], int(LEFTOVER_CAP * quota[k])) for k in kinds}
        while fill.full < want and any(fill.left(k) and fill.taken[k] < cap[k] for k in kinds):
            for k in kinds:
                fill.take(k, min(cap[k], fill.taken[k] + 64))
        report[label] = {"wanted": want, "taken": dict(fill.taken), "quota": quota}
    chosen.sort(key=lambda p: (p.label, p.kind, p.claim, p.evidence))
    rng.shuffle(chosen)
    report["total"] = len(chosen)
    report["kinds"] = dict(Counter(p.kind for p in chosen))
    return chosen, report


def make_synthetic(
    docs: Sequence[Doc],
    total: int,
    *,
    seed: int | str,
    blocked: frozenset[str] | set[str] = frozenset(),
    kn: Knowledge | None = None,
) -> tuple[list[SynthPair], dict[str, Any]]:
    """Candidates of every kind from ``docs``, then ``total`` of them (:func:`select`)."""
    kn = kn or Knowledge.load()
    cands, stats = candidates(docs, kn, seed, blocked)
    pairs, report = select(cands, total, seed)
    report["sentences"] = stats
    report["documents"] = len(docs)
    return pairs, report
