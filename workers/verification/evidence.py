"""A claim's evidence set as judged, and what a verdict shows of it: the sentences, the one
that decided first and each with the stance it lends the label, and the details the
sources state otherwise."""

from __future__ import annotations

from dataclasses import dataclass

from shared.schemas import DetailConflict, Evidence, Stance
from shared.text.fragment import fragment_link
from workers.verification.aggregate import AggregationParams, is_relevant, stance_of
from workers.verification.candidates import Candidate
from workers.verification.decision import Judged
from workers.verification.stance import StanceScore
from workers.verification.verdict_policy import EvidenceDecision


@dataclass(frozen=True)
class Assessment:
    """A claim's evidence set as judged: the sentences read, their scores, their signals."""

    candidates: list[Candidate]
    scores: list[StanceScore]
    judged: list[Judged]
    joined: StanceScore | None = None
    """The sentences read together as one passage (two or more sentences)."""


def shown_evidence(
    assessment: Assessment, decided: EvidenceDecision, params: AggregationParams, top: int
) -> list[Evidence]:
    """The sentences to show, the one that decided first, then by what they contributed
    to the label: the conflicting and refuting sentences of a ``refuted`` verdict, the
    agreeing and supporting ones of a ``supported`` verdict, the closest for the others.
    A sentence's stance is the alignment's where it conflicts (refutes) or completely
    agrees (supports), else the model's; the sentence that lends the label the most
    shows it where it leans that way more than the other way (0.45 support against 0.05
    refutation is the support a ``supported`` verdict rests on, even if neutral is 0.5).
    """
    label = decided.label
    wanted = _LABEL_STANCE.get(label)
    lending = _lending(assessment, label)
    items = [
        (i, _evidence_item(c, s, j, wanted if i == lending else None))
        for i, (c, s, j) in enumerate(
            zip(assessment.candidates, assessment.scores, assessment.judged, strict=True)
        )
        if is_relevant(s, params) or j.alignment.result != "unaligned" or i == lending
    ]

    def weight(item: tuple[int, Evidence]) -> tuple[bool, bool, float, float]:
        i, evidence = item
        score, candidate = assessment.scores[i], assessment.candidates[i]
        strength = {"supported": score.supports, "refuted": score.refutes}.get(
            label, max(score.supports, score.refutes, score.relevance / 2)
        )
        return (i != decided.deciding, evidence.stance != wanted, -strength, -candidate.rank)

    ranked = [evidence for _, evidence in sorted(items, key=weight)]
    return ranked[:top]


_LABEL_STANCE: dict[str, Stance] = {"supported": "supports", "refuted": "refutes"}


def _lending(assessment: Assessment, label: str) -> int | None:
    """The sentence that lends ``label`` the most, where it leans that way (more support
    than refutation for ``supported``, the reverse for ``refuted``). For ``refuted``, else
    the best supporting sentence whose details differ from the claim's (another year,
    number, month, name, or a negation: the decision refutes on them); None otherwise."""
    if label not in ("supported", "refuted"):
        return None
    if label == "refuted" and not any(s.refutes > s.supports for s in assessment.scores):
        differing = [
            i for i, j in enumerate(assessment.judged) if _differs(j) and j.score.supports > 0
        ]
        return max(differing, key=lambda i: assessment.scores[i].supports, default=None)

    def lean(score: StanceScore) -> tuple[float, float]:
        return (
            (score.supports, score.refutes)
            if label == "supported"
            else (score.refutes, score.supports)
        )

    best = max(
        range(len(assessment.scores)), key=lambda i: lean(assessment.scores[i])[0], default=None
    )
    if best is None:
        return None
    mine, other = lean(assessment.scores[best])
    return best if mine > other else None


def _differs(judged: Judged) -> bool:
    m = judged.mismatch
    return bool(m.year or m.number or m.month or m.name or m.negation or m.slot_year)


def _evidence_item(
    candidate: Candidate, score: StanceScore, judged: Judged, lends: Stance | None = None
) -> Evidence:
    stance = stance_of(score)
    alignment = judged.alignment
    if alignment.result == "conflict":
        stance = "refutes"
    elif alignment.complete and stance == "neutral":
        stance = "supports"
    elif lends is not None and (stance == "neutral" or lends == "refutes"):
        stance = lends  # what this sentence lends the label (see _lending)
    strength = {"supports": score.supports, "refutes": score.refutes, "neutral": score.neutral}
    passage = candidate.passage
    context = " … ".join(part for part in (passage.context_before, passage.context_after) if part)
    return Evidence(
        source=passage.source,
        doc_id=passage.doc_id,
        title=passage.title,
        url=passage.url,
        text=candidate.text,
        stance=stance,
        score=round(min(1.0, max(0.0, strength[stance])), 4),
        publisher=passage.publisher,
        published=passage.published,
        rating=passage.rating,
        start=candidate.start,
        end=candidate.end,
        link=fragment_link(passage.url, candidate.text),
        context=context or None,
        alignment=alignment.result,
        doc_hash=passage.doc_hash,
    )


def detail_conflicts(assessment: Assessment, decided: EvidenceDecision) -> list[DetailConflict]:
    return [
        DetailConflict(
            slot=conflict.kind,
            claim=conflict.claim,
            source=conflict.source,
            doc_id=assessment.candidates[i].passage.doc_id,
            sentence=assessment.candidates[i].text,
        )
        for i, conflict in decided.conflicts
    ]
