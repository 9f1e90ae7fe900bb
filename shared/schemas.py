"""Wire formats: what the API accepts and returns, what the stream carries.

These pydantic models are the contract between the intake, the workers and every
consumer of the verdict stream.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

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


class ArticleSubmission(_Strict):
    """``POST /v1/articles`` body."""

    text: str
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

    text: str
    context: str | None = Field(default=None, max_length=20_000)
    source_url: str | None = Field(default=None, max_length=2048)

    _text_not_blank = field_validator("text")(_not_blank)


# --- responses --------------------------------------------------------------------


class ExtractedClaim(BaseModel):
    """A claim found in an article; ``article_text[start:end]`` is its sentence."""

    claim_id: str
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class ArticleAccepted(BaseModel):
    article_id: str
    claims: list[ExtractedClaim]


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


class SourceFailure(BaseModel):
    source: str
    reason: str


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
    checked_at: datetime
    verifier_version: str


class ClaimStatus(BaseModel):
    """``GET /v1/claims/{id}``."""

    claim_id: str
    status: ClaimState
    text: str
    article_id: str | None = None
    verdict: Verdict | None = None


class ArticleClaimStatus(BaseModel):
    claim_id: str
    text: str
    start: int
    end: int
    status: ClaimState
    verdict: Verdict | None = None


class ArticleStatus(BaseModel):
    """``GET /v1/articles/{id}``."""

    article_id: str
    title: str | None = None
    url: str | None = None
    external_id: str | None = None
    published_at: datetime | None = None
    completed: bool
    claims: list[ArticleClaimStatus]
    counts: dict[Label, int]


class ArticleCompleted(BaseModel):
    """Data of an ``article.completed`` stream entry."""

    article_id: str
    claim_count: int
    counts: dict[Label, int]
    completed_at: datetime


class ErrorBody(BaseModel):
    """Every 4xx/5xx answer of the API."""

    error: str
    message: str
    field: str | None = None
