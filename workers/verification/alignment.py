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


SIMILAR = 0.75
"""Embedding cosine from which a sentence counts as worded like the claim, so its predicate
need not share the claim's words ("long" and "length")."""


def align(claim: str, candidates: Sequence[Candidate]) -> list[Alignment]:
    """Each candidate sentence compared with the claim, in the candidates' order.

    The names the sentences and titles give are names in the claim too, so a claim that
    opens with one ("Eagle landed ...") has it as a name.
    """
    sentences = [extract(c.text) for c in candidates]
    known = {c.passage.title for c in candidates if c.passage.source != GIVEN_SOURCE}
    known |= {n.span.text for s in sentences for n in s.names}
    claim_slots = extract(claim, known)
    return [
        compare(claim_slots, s, similar=(c.passage.similarity or 0.0) >= SIMILAR)
        for c, s in zip(candidates, sentences, strict=True)
    ]


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
