"""Claim ↔ sentence alignment for the verifier: every candidate sentence compared with the
claim over typed slots (:mod:`shared.slots`), and the aligned ones put first in the queue
for the stance model.

A knowledge base's titles are names to the claim's extraction (a sentence that starts with
"Eagle" still names Eagle), and a sentence's slots are cached by its text per process, so a
sentence retrieved for many claims is read once.
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.slots import Alignment, compare, extract
from workers.verification.candidates import GIVEN_SOURCE, Candidate

COMPLETE_COVERAGE = 0.99
"""Share of the claim's content words a completely agreeing sentence must hold to count as
stating the claim (verbatim or a close paraphrase)."""


SIMILAR = 0.75
"""Embedding cosine from which a sentence counts as worded like the claim, so its predicate
need not share the claim's words ("long" and "length")."""


def align(claim: str, candidates: Sequence[Candidate]) -> list[Alignment]:
    """Each candidate sentence compared with the claim, in the candidates' order."""
    given = all(c.passage.source == GIVEN_SOURCE for c in candidates)
    return align_texts(
        claim,
        [c.text for c in candidates],
        [c.passage.title for c in candidates if c.passage.source != GIVEN_SOURCE],
        [c.passage.similarity for c in candidates],
        cache=not given,
    )


def align_texts(
    claim: str,
    sentences: Sequence[str],
    titles: Sequence[str] = (),
    similarities: Sequence[float | None] | None = None,
    *,
    cache: bool = True,
) -> list[Alignment]:
    """:func:`align` on plain texts (what the decision is fitted on).

    The names the sentences and titles give are names in the claim too, so a claim that
    opens with one ("Eagle landed ...") has it as a name.
    """
    slots = [extract(s, cache=cache) for s in sentences]
    known = set(titles) | {n.span.text for s in slots for n in s.names}
    claim_slots = extract(claim, known)
    close = similarities or [None] * len(sentences)
    return [
        compare(claim_slots, s, similar=(cos or 0.0) >= SIMILAR)
        for s, cos in zip(slots, close, strict=True)
    ]


def conflicting(alignments: Sequence[Alignment]) -> list[int]:
    """Indices of the sentences whose conflict stands, strongest first (subject named, then
    names and words covered): a conflict whose every detail another aligned sentence
    states as the claim does is about a look-alike, and does not count."""
    confirmed = {d for a in alignments if a.result == "agree" for d in a.agreed}
    kept = [
        i
        for i, a in enumerate(alignments)
        if a.result == "conflict" and not all(c.claim in confirmed for c in a.conflicts)
    ]
    return sorted(kept, key=lambda i: strength(alignments[i]), reverse=True)


def complete(alignments: Sequence[Alignment]) -> list[int]:
    """Indices of the sentences that state every detail of the claim and most of its words,
    strongest first."""
    kept = [i for i, a in enumerate(alignments) if a.complete and a.coverage >= COMPLETE_COVERAGE]
    return sorted(kept, key=lambda i: strength(alignments[i]), reverse=True)


def strength(a: Alignment) -> tuple[bool, float, float]:
    """How surely a sentence is about the claim's fact: its subject named, then the share of
    the claim's names and of its words it holds."""
    return (a.subject, a.name_coverage, a.coverage)


def aligned_first(
    candidates: Sequence[Candidate],
    alignments: Sequence[Alignment],
    chosen: Sequence[Candidate],
    limit: int,
) -> tuple[list[Candidate], list[Alignment]]:
    """``chosen`` (the retrieval's pick) with the aligned sentences (agree or conflict,
    best covered first) moved to the front, at most ``limit`` in all, and their alignments.
    """
    by_text = {c.text: a for c, a in zip(candidates, alignments, strict=True)}
    aligned = sorted(
        (c for c, a in zip(candidates, alignments, strict=True) if a.result != "unaligned"),
        key=lambda c: (-by_text[c.text].name_coverage, -by_text[c.text].coverage, -c.rank),
    )
    picked: list[Candidate] = []
    seen: set[str] = set()
    for candidate in [*aligned, *chosen]:
        if candidate.text not in seen and len(picked) < limit:
            picked.append(candidate)
            seen.add(candidate.text)
    return picked, [by_text[c.text] for c in picked]


def decisive_only(
    candidates: Sequence[Candidate], alignments: Sequence[Alignment]
) -> tuple[list[Candidate], list[Alignment]]:
    """The early exit: where an aligned sentence decides (a standing conflict, or every
    detail the same), only the aligned sentences (first in ``candidates``, see
    :func:`aligned_first`) are worth reading; otherwise all of them."""
    if not (conflicting(alignments) or complete(alignments)):
        return list(candidates), list(alignments)
    kept = [i for i, a in enumerate(alignments) if a.result != "unaligned"]
    return [candidates[i] for i in kept], [alignments[i] for i in kept]
