"""When a fact-check from the archive decides a verdict on its own.

A passage of the ``factchecks`` source decides when its match score (the probability that
it checks the same claim) reaches ``CLAIMCHECK_FACTCHECK_MATCH_THRESHOLD`` and its rating
maps to ``supported`` or ``refuted``. The best such passage decides, unless another one
that also qualifies carries the opposite label: then none does and the claim is checked as
usual. The verdict's confidence is the match score and its evidence is the fact-check
(publisher, date, URL, rating verbatim).

Light on purpose (no numpy, no models): the verifier imports it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from shared.schemas import Evidence, Stance
from workers.sources.base import Passage
from workers.sources.factchecks import SOURCE_NAME

log = logging.getLogger(__name__)

DECIDING_LABELS = frozenset({"supported", "refuted"})
_STANCE: dict[str, Stance] = {"supported": "supports", "refuted": "refutes"}


def is_archive_passage(passage: Passage) -> bool:
    return passage.source == SOURCE_NAME


def strong_match(passages: Sequence[Passage], threshold: float) -> Passage | None:
    """The archive passage that decides the verdict, or None."""
    strong = [
        p
        for p in passages
        if is_archive_passage(p) and p.score >= threshold and p.label in DECIDING_LABELS
    ]
    if not strong:
        return None
    if len({p.label for p in strong}) > 1:
        log.info("strong fact-check matches disagree (%d); none decides", len(strong))
        return None
    return max(strong, key=lambda p: p.score)


def evidence_of(passage: Passage) -> Evidence:
    """The deciding fact-check as verdict evidence."""
    return Evidence(
        source=passage.source,
        doc_id=passage.doc_id,
        title=passage.title,
        url=passage.url,
        text=passage.text,
        stance=_STANCE.get(passage.label or "", "neutral"),
        score=round(max(0.0, min(1.0, passage.score)), 4),
        publisher=passage.publisher,
        published=passage.published,
        rating=passage.rating,
    )
