"""The sentences a claim is checked against: every distinct sentence of the retrieved (or
given) passages, questions left out, and the few of them the stance model reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from workers.retrieval_words import content_stems, coverage
from workers.sources.base import Passage
from workers.verification.sentences import collapse, sentence_spans

GIVEN_SOURCE = "given"
"""The source name of evidence given with the claim (``verify-batch``, evaluation)."""


@dataclass(frozen=True)
class Candidate:
    """One evidence sentence with where it came from."""

    passage: Passage
    text: str
    context: str
    """The document title and the previous sentence, for resolving "it" and "they"."""
    start: int | None
    """Offsets of the sentence in its document, where the document is known."""
    end: int | None
    rank: float
    """How well its source ranked it for the claim (higher is better)."""


def given_passages(evidence: Sequence[str]) -> list[Passage]:
    return [
        Passage(
            source=GIVEN_SOURCE,
            doc_id=f"given-{i}",
            title=f"Given evidence {i + 1}",
            url=None,
            text=text,
            score=1.0,
        )
        for i, text in enumerate(evidence)
        if text.strip()
    ]


def sentences_of(passages: Sequence[Passage]) -> list[Candidate]:
    """Every distinct sentence of the passages, in retrieval order.

    A knowledge-base hit is one sentence already (with its offsets in its document); other
    passages are split here, with offsets into the passage for given evidence (the given
    text is the document) and none for extracts of a page. Questions are left out.
    """
    seen: set[str] = set()
    out: list[Candidate] = []
    for passage in passages:
        title = passage.title if passage.source != GIVEN_SOURCE else ""
        pieces: list[tuple[str, int | None, int | None, str]]
        if passage.start is not None:
            pieces = [(passage.text, passage.start, passage.end, passage.context_before)]
        else:
            pieces = _split(passage)
        for text, start, end, before in pieces:
            key = text.casefold()
            if not text or key in seen or is_question(text):
                continue
            seen.add(key)
            context = f"{title}. {before}" if title else before
            out.append(Candidate(passage, text, context.strip(), start, end, passage.score))
    return out


_CLOSING = "\"'\u201d\u2019)]"


def is_question(sentence: str) -> bool:
    """A question asserts nothing, so it is never evidence for or against a claim (a
    question that restates the claim would otherwise read as support)."""
    return sentence.rstrip().rstrip(_CLOSING).endswith("?")


def _split(passage: Passage) -> list[tuple[str, int | None, int | None, str]]:
    spans = sentence_spans(passage.text) or [(0, len(passage.text))]
    keep_offsets = passage.source == GIVEN_SOURCE
    pieces = []
    previous = ""
    for start, end in spans:
        text = collapse(passage.text[start:end])
        pieces.append(
            (text, start if keep_offsets else None, end if keep_offsets else None, previous)
        )
        previous = text
    return pieces


def select(claim: str, candidates: Sequence[Candidate], limit: int) -> list[Candidate]:
    """The ``limit`` sentences the stance model reads: each source's best in turn.

    Within a source, sentences are ordered by the source's own rank when it gives one per
    sentence (the knowledge base), else by the share of the claim's content words they
    contain (ties keep retrieval order).
    """
    if len(candidates) <= limit:
        return list(candidates)
    stems = content_stems(claim)
    by_source: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        by_source.setdefault(candidate.passage.source, []).append(candidate)
    queues = []
    for group in by_source.values():
        if all(c.passage.start is not None for c in group):
            queues.append(sorted(group, key=lambda c: -c.rank))
        else:
            queues.append(sorted(group, key=lambda c: -coverage(stems, c.text)))
    chosen: list[Candidate] = []
    while len(chosen) < limit:
        for queue in queues:
            if queue and len(chosen) < limit:
                chosen.append(queue.pop(0))
    return chosen
