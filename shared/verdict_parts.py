"""The parts of a verdict beside its label and evidence: the details a source states
otherwise (:class:`DetailConflict`), the sources that failed, and the LLM judge's opinion.
:mod:`shared.schemas` builds the verdict from them."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, Field

Label = Literal["supported", "refuted", "not_enough_info", "conflicting"]
AlignmentResult = Literal["agree", "conflict", "unaligned"]
SlotKind = Literal["date", "quantity", "name", "polarity"]


class DetailConflict(BaseModel):
    """A detail (slot: date, quantity, name or polarity) the claim states one way and a
    source sentence (``sentence``, of document ``doc_id``) another."""

    slot: SlotKind
    claim: str
    source: str
    doc_id: str
    sentence: str


class SourceFailure(BaseModel):
    source: str
    reason: str


class JudgeOpinion(BaseModel):
    """What the optional LLM judge made of the claim and the top evidence (issue 5)."""

    model: str
    stance: Label | None = Field(
        default=None, description="The judge's label; None when it gave no valid answer."
    )
    justification: str | None = None
    agrees: bool | None = Field(
        default=None, description="Whether the judge's stance equals the verdict's label."
    )
    error: str | None = Field(
        default=None, description="Why the judge gave no usable answer (after its retries)."
    )


NO_NEGATION: Final = "stated without negation"
"""How a polarity conflict names the side that states the fact without a negation."""


def explain_conflict(slot: str, claim: str, source: str) -> str | None:
    """One detail stated otherwise, as a sentence a journalist reads ("The source says 4
    January 2022, not 4 March 2022."); None where a side is empty."""
    claim, source = claim.strip(), source.strip()
    if not claim or not source:
        return None
    if slot == "polarity" and source == NO_NEGATION:
        return f"The source states it without the negation (\u201c{claim}\u201d)."
    if slot == "polarity" and claim == NO_NEGATION:
        return f"The source says \u201c{source}\u201d, a negation the claim does not make."
    return f"The source says {source}, not {claim}."
