"""Wire formats: what the API accepts and returns, what the stream carries.

These pydantic models are the contract between the intake, the workers and every
consumer of the verdict stream.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Label = Literal["supported", "refuted", "not_enough_info", "conflicting"]
LABELS: tuple[Label, ...] = ("supported", "refuted", "not_enough_info", "conflicting")
Stance = Literal["supports", "refutes", "neutral"]
ClaimState = Literal["queued", "checking", "done", "failed"]
EntryType = Literal["verdict", "article.completed"]

VERIFY_TASK_NAME = "claimcheck.verify_claim"
"""The Celery task name the intake enqueues; the intake never imports the task itself."""
NOOP_TASK_NAME = "claimcheck.noop_publish"
"""Benchmark baseline: publishes a placeholder verdict without checking anything."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must contain non-whitespace text")
    return value


# --- requests ---------------------------------------------------------------------

_TEXT_SCHEMA: dict[str, Any] = {"minLength": 1, "pattern": r"\S"}
"""Documents what ``_not_blank`` enforces: at least one non-whitespace character."""


class ArticleSubmission(_Strict):
    """``POST /v1/articles`` body."""

    text: str = Field(json_schema_extra=_TEXT_SCHEMA)
    title: str | None = Field(default=None, max_length=1000)
    url: str | None = Field(default=None, max_length=2048)
    published_at: datetime | None = None
    external_id: str | None = Field(default=None, max_length=256)

    _text_not_blank = field_validator("text")(_not_blank)

    @field_validator("published_at", mode="before")
    @classmethod
    def _parse_datetime(cls, value: object) -> object:
        # strict mode refuses ISO strings for datetimes; JSON has no other way to send one
        if isinstance(value, str):
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        return value


class ClaimSubmission(_Strict):
    """``POST /v1/claims`` body."""

    text: str = Field(json_schema_extra=_TEXT_SCHEMA)
    context: str | None = Field(default=None, max_length=20_000)
    source_url: str | None = Field(default=None, max_length=2048)

    _text_not_blank = field_validator("text")(_not_blank)


# --- responses --------------------------------------------------------------------


class Entity(BaseModel):
    """A named entity of a claim; offsets are in the article (or lone claim) text."""

    text: str
    label: str = Field(description="spaCy label: PERSON, ORG, GPE, DATE, CARDINAL, ...")
    start: int = Field(ge=0)
    end: int = Field(ge=0)


_SOURCE_TEXT = "The verbatim sentence, article_text[start:end] (a lone claim: its text)."
_SPEAKER = "Who said it, for a quoted or reported statement."
_ATTRIBUTED = (
    "A reported statement, opinion or feeling (someone says so), not a plain fact about the world."
)
_CHECKWORTHINESS = (
    "P(checkworthy) from the trained check-worthiness model; at least 0.6 where an "
    "editorial rule (a dated event, a named speaker's reported statement) kept the sentence."
)


class ExtractedClaim(BaseModel):
    """A claim found in an article. ``text`` is stand-alone (pronouns, references and
    relative dates resolved); ``article_text[start:end] == source_text``."""

    claim_id: str
    text: str
    source_text: str = Field(description=_SOURCE_TEXT)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    speaker: str | None = Field(default=None, description=_SPEAKER)
    attributed: bool = Field(default=False, description=_ATTRIBUTED)
    checkworthiness: float = Field(ge=0, le=1, description=_CHECKWORTHINESS)
    entities: list[Entity] = Field(default_factory=list)


class ArticleAccepted(BaseModel):
    article_id: str
    claims: list[ExtractedClaim]
    skipped: dict[str, int] = Field(
        default_factory=dict,
        description="Sentences not made claims, by reason: non_english, too_short, question, "
        "truncated, duplicate, below_threshold.",
    )


class ClaimAccepted(BaseModel):
    claim_id: str


class Evidence(BaseModel):
    """One piece of evidence a journalist can open."""

    source: str
    doc_id: str
    title: str
    url: str | None = None
    text: str
    stance: Stance
    score: float = Field(ge=0, le=1)
    publisher: str | None = Field(default=None, description="Who published the source.")
    published: str | None = Field(
        default=None, description="Publication date of the source (ISO 8601) where known."
    )
    rating: str | None = Field(
        default=None,
        description="A fact-check's own rating, verbatim (e.g. 'Pants on Fire'), "
        "for evidence from a fact-check archive.",
    )
    start: int | None = Field(
        default=None,
        ge=0,
        description="Offset of the sentence in its document's text (``text`` is "
        "``document[start:end]`` with whitespace collapsed), where the source keeps documents.",
    )
    end: int | None = Field(default=None, ge=0, description="End offset of the sentence.")
    link: str | None = Field(
        default=None,
        description="A URL that lands on the sentence: the document's URL with a "
        "text fragment (``#:~:text=``); None when the document has no URL.",
    )
    context: str | None = Field(
        default=None,
        description="The sentences around it in its document, as the model read them.",
    )


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


class Verdict(BaseModel):
    """The outcome of checking one claim, as published on the stream."""

    claim_id: str
    article_id: str | None = None
    claim: str
    label: Label
    confidence: float = Field(ge=0, le=1)
    needs_review: bool
    evidence: list[Evidence] = Field(default_factory=list)
    sources_failed: list[SourceFailure] = Field(default_factory=list)
    reason: str | None = Field(
        default=None, description="Why the verdict could not be reached normally, if so."
    )
    failed: bool = Field(
        default=False,
        description="True when the check itself failed (a permanent error, retries "
        "exhausted, a poison claim that crashed the verifier): the terminal verdict is then "
        "not_enough_info with the reason, and the claim's status is 'failed'.",
    )
    attempts: int | None = Field(
        default=None, ge=1, description="How many times the check was tried, for a failed one."
    )
    checked: str | None = Field(
        default=None,
        description="For an attributed statement: the reported content that was checked "
        "(the frame 'X said that' cut off); the label says whether that content is "
        "supported, not whether the speaker said it. None: the claim was checked whole.",
    )
    checked_at: datetime
    verifier_version: str
    # the claim as extracted (copied from the claim record; ``claim`` is its stand-alone text)
    source_text: str | None = None
    start: int | None = None
    end: int | None = None
    speaker: str | None = None
    attributed: bool | None = None
    checkworthiness: float | None = Field(default=None, ge=0, le=1)
    entities: list[Entity] | None = None
    newsroom: str | None = Field(
        default=None, description="The newsroom that submitted the claim (stream filtering)."
    )
    judge: JudgeOpinion | None = Field(
        default=None, description="The LLM judge's opinion, when CLAIMCHECK_LLM_JUDGE_URL is set."
    )


class ClaimStatus(BaseModel):
    """``GET /v1/claims/{id}``: the claim record as stored, its status and verdict."""

    claim_id: str
    status: ClaimState
    text: str
    source_text: str | None = Field(default=None, description=_SOURCE_TEXT)
    article_id: str | None = None
    start: int | None = None
    end: int | None = None
    speaker: str | None = Field(default=None, description=_SPEAKER)
    attributed: bool = Field(default=False, description=_ATTRIBUTED)
    checkworthiness: float | None = Field(default=None, ge=0, le=1, description=_CHECKWORTHINESS)
    entities: list[Entity] = Field(default_factory=list)
    verdict: Verdict | None = None


class ArticleClaimStatus(BaseModel):
    """One claim of ``GET /v1/articles/{id}``: the same fields as ``GET /v1/claims/{id}``."""

    claim_id: str
    text: str
    source_text: str | None = Field(default=None, description=_SOURCE_TEXT)
    start: int
    end: int
    speaker: str | None = Field(default=None, description=_SPEAKER)
    attributed: bool = Field(default=False, description=_ATTRIBUTED)
    checkworthiness: float | None = Field(default=None, ge=0, le=1, description=_CHECKWORTHINESS)
    entities: list[Entity] = Field(default_factory=list)
    status: ClaimState
    verdict: Verdict | None = None


class ArticleStatus(BaseModel):
    """``GET /v1/articles/{id}``."""

    article_id: str
    title: str | None = None
    url: str | None = None
    external_id: str | None = None
    published_at: datetime | None = None
    text: str | None = Field(
        default=None, description="The article as submitted; claims' start/end index it."
    )
    completed: bool
    claims: list[ArticleClaimStatus]
    counts: dict[Label, int]


class ArticleCompleted(BaseModel):
    """Data of an ``article.completed`` stream entry."""

    article_id: str
    claim_count: int
    counts: dict[Label, int]
    completed_at: datetime
    newsroom: str | None = Field(
        default=None, description="The newsroom that submitted the article (stream filtering)."
    )


class ErrorBody(BaseModel):
    """Every 4xx/5xx answer of the API."""

    error: str
    message: str
    field: str | None = None
