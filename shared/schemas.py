"""Wire formats: what the API accepts and returns, what the stream carries.

These pydantic models are the contract between the intake, the workers and every
consumer of the verdict stream.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from shared.newsroom.checked_text import NAME_SCHEMA, EditedClaim
from shared.skips import SKIP_REASONS as SKIP_REASONS
from shared.skips import SkippedSentence as SkippedSentence
from shared.text.invisible import VISIBLE_PATTERN, checked_name, has_visible
from shared.verdict_parts import AlignmentResult as AlignmentResult
from shared.verdict_parts import DetailConflict as DetailConflict
from shared.verdict_parts import JudgeOpinion as JudgeOpinion
from shared.verdict_parts import Label as Label
from shared.verdict_parts import SlotKind as SlotKind
from shared.verdict_parts import SourceFailure as SourceFailure

LABELS: tuple[Label, ...] = ("supported", "refuted", "not_enough_info", "conflicting")
Stance = Literal["supports", "refutes", "neutral"]
ClaimState = Literal["queued", "checking", "done", "failed"]
EntryType = Literal["verdict", "article.completed", "verdict.reviewed", "verdict.updated"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def _not_blank(value: str) -> str:
    if not has_visible(value):
        raise ValueError("must contain visible text (not only whitespace or zero-width characters)")
    return value


_WEB_URL = re.compile(r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#]")
"""An ``http`` or ``https`` URL with a host: what a journalist can open. Other schemes
(``javascript:``, ``data:``, ``file:``) would reach API consumers as they were given."""


def _web_url(value: str | None) -> str | None:
    if value is not None and not _WEB_URL.match(value):
        raise ValueError("must be an http or https URL")
    return value


# --- requests ---------------------------------------------------------------------

_TEXT_SCHEMA: dict[str, Any] = {"minLength": 1, "pattern": VISIBLE_PATTERN}
"""Documents what ``_not_blank`` enforces: at least one visible character."""
_URL_SCHEMA: dict[str, Any] = {"pattern": _WEB_URL.pattern}
"""Documents what ``_web_url`` enforces."""


class ArticleSubmission(_Strict):
    """``POST /v1/articles`` body."""

    text: str = Field(json_schema_extra=_TEXT_SCHEMA)
    title: str | None = Field(default=None, max_length=1000)
    url: str | None = Field(default=None, max_length=2048, json_schema_extra=_URL_SCHEMA)
    published_at: datetime | None = None
    external_id: str | None = Field(default=None, max_length=256)

    _text_not_blank = field_validator("text")(_not_blank)
    _url_on_the_web = field_validator("url")(_web_url)

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
    source_url: str | None = Field(default=None, max_length=2048, json_schema_extra=_URL_SCHEMA)

    _text_not_blank = field_validator("text")(_not_blank)
    _url_on_the_web = field_validator("source_url")(_web_url)


# --- responses --------------------------------------------------------------------


class Entity(BaseModel):
    """A named entity of a claim; offsets are in the article (or lone claim) text."""

    model_config = ConfigDict(frozen=True)

    text: str
    label: str = Field(description="spaCy label: PERSON, ORG, GPE, DATE, CARDINAL, ...")
    start: int = Field(ge=0)
    end: int = Field(ge=0)


_SOURCE_TEXT = "The verbatim sentence, article_text[start:end] (a lone claim: its text)."
_SPEAKER = "Who said it, for a quoted or reported statement."
_ATTRIBUTED = (
    "A reported statement, opinion or feeling (someone says so), not a plain fact about the world."
)
_QUOTE = (
    "For a direct quote with a known speaker: article_text[quote_start:quote_end] is the "
    "quoted words (without the quotation marks)."
)
_STAND_ALONE = (
    "False when the extractor kept the article's words because it could not resolve a "
    "reference with confidence: the text may not read on its own; an editor can correct it."
)
_CHECKWORTHINESS = (
    "P(checkworthy) from the trained check-worthiness model; at least 0.6 where an "
    "editorial rule (a dated event, a named speaker's reported statement) kept the sentence."
)


class ClaimDetails(BaseModel):
    """The claim as extracted: the sentence it stands for, who said it, how check-worthy
    it is and what it names.

    The extraction result, the stored record, the API's answers and the verdict all carry
    these fields (flat, by inheritance: their JSON has them at the top level). A lone claim
    has no offsets; a record stored before a field existed reads it as unknown.
    """

    source_text: str | None = Field(default=None, description=_SOURCE_TEXT)
    start: int | None = Field(default=None, ge=0)
    end: int | None = Field(default=None, ge=0)
    speaker: str | None = Field(default=None, description=_SPEAKER)
    attributed: bool = Field(default=False, description=_ATTRIBUTED)
    stand_alone: bool = Field(default=True, description=_STAND_ALONE)
    checkworthiness: float | None = Field(default=None, ge=0, le=1, description=_CHECKWORTHINESS)
    entities: list[Entity] = Field(default_factory=list)
    quote_start: int | None = Field(default=None, ge=0, description=_QUOTE)
    quote_end: int | None = Field(default=None, ge=0, description=_QUOTE)

    @field_validator("attributed", "entities", mode="before")
    @classmethod
    def _null_is_default(cls, value: object, info: ValidationInfo) -> object:
        # verdicts of claims checked outside the intake (verify-batch) carried null here
        if value is None:
            return [] if info.field_name == "entities" else False
        return value

    def claim_details(self) -> ClaimDetails:
        """These fields alone (a copy), out of whichever model carries them."""
        return ClaimDetails.model_validate({name: getattr(self, name) for name in _DETAILS})

    def claim_fields(self) -> dict[str, Any]:
        """:meth:`claim_details` as keyword arguments: to build another model that carries
        them, or to ``model_copy(update=...)`` one."""
        return dict(self.claim_details())


_DETAILS: tuple[str, ...] = tuple(ClaimDetails.model_fields)


class ExtractedDetails(ClaimDetails):
    """The details of a claim just found in an article: every one of them is known."""

    source_text: str = Field(description=_SOURCE_TEXT)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    checkworthiness: float = Field(ge=0, le=1, description=_CHECKWORTHINESS)


class ClaimText(BaseModel):
    """A claim's id and its checked text (stand-alone, or an editor's): what the API's claim
    answers start with; ``source_text`` is the article's own sentence."""

    claim_id: str
    text: str


# A model's JSON lists its bases' fields from the last base to the first: ClaimText's
# claim_id and text come before the details.


class ExtractedClaim(ExtractedDetails, ClaimText):
    """A claim found in an article. ``text`` is stand-alone (pronouns, references and
    relative dates resolved); ``article_text[start:end] == source_text``."""


class ArticleAccepted(BaseModel):
    article_id: str
    claims: list[ExtractedClaim]
    skipped: dict[str, int] = Field(
        default_factory=dict,
        description="Sentences not made claims, by reason: " + ", ".join(SKIP_REASONS) + ".",
    )
    skipped_sentences: list[SkippedSentence] = Field(
        default_factory=list,
        description="Every sentence not made a claim, in article order, and why.",
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
    reviewer: str | None = Field(
        default=None,
        description="For an editor's ruling (source ``newsroom``): who ruled; ``published`` "
        "is when, ``rating`` the label given.",
    )
    note: str | None = Field(default=None, description="The editor's note on the ruling.")
    alignment: AlignmentResult | None = Field(
        default=None,
        description="How the sentence lines up with the claim's typed details: agree, "
        "conflict (see the verdict's conflicts) or unaligned; None for a non-sentence.",
    )
    doc_hash: str | None = Field(
        default=None,
        description="Content hash of the document the sentence came from (knowledge base): "
        "when an import changes or removes the document, the claims citing it can be "
        "re-checked (CLAIMCHECK_RECHECK_ON_CHANGE).",
    )


class Verdict(EditedClaim, ClaimDetails):
    """The outcome of checking one claim, as published on the stream, with the claim's
    details as extracted (from its record; ``claim`` is the text checked: its stand-alone
    text, or an editor's correction of it, ``checked_text_edit``)."""

    claim_id: str
    article_id: str | None = None
    claim: str
    label: Label
    confidence: float = Field(ge=0, le=1)
    needs_review: bool
    evidence: list[Evidence] = Field(default_factory=list)
    sources_failed: list[SourceFailure] = Field(default_factory=list)
    reason: str | None = Field(
        default=None,
        description='Why the verdict is what it is, in words a journalist reads ("The '
        'source says 4 January 2022, not 4 March 2022."), and why it could not be reached '
        "normally, if so.",
    )
    conflicts: list[DetailConflict] = Field(
        default_factory=list,
        description="The details of the claim a source sentence states otherwise, the "
        "deciding one first.",
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
    newsroom: str | None = Field(
        default=None, description="The newsroom that submitted the claim (stream filtering)."
    )
    judge: JudgeOpinion | None = Field(
        default=None, description="The LLM judge's opinion, when CLAIMCHECK_LLM_JUDGE_URL is set."
    )
    reused_from: str | None = Field(
        default=None,
        description="The claim of the same newsroom and the same (normalised) text whose "
        "verdict, or editor's ruling, this one repeats without checking again.",
    )
    revision: int = Field(
        default=0,
        ge=0,
        description="0 for the first check; n for the n-th re-check (a `verdict.updated` "
        "entry): a document its evidence came from changed, or an editor corrected its text.",
    )
    previous_label: Label | None = Field(
        default=None, description="For a re-check: the label the claim had before."
    )

    def cited_documents(self) -> list[str]:
        """Ids of the stored documents (with a content hash) its evidence came from."""
        return sorted({e.doc_id for e in self.evidence if e.doc_hash})


# --- editors' reviews -------------------------------------------------------------

MAX_REVIEW_NOTE_CHARS = 2000
MAX_REVIEWER_CHARS = 200
MAX_REVIEW_EVIDENCE = 20
_MAX_EVIDENCE_TEXT_CHARS = 5000
_MAX_URL_CHARS = 2048


class ReviewEvidence(_Strict):
    """A source an editor cites for a ruling: where it is and what it says."""

    url: str = Field(max_length=_MAX_URL_CHARS, json_schema_extra=_URL_SCHEMA)
    text: str = Field(max_length=_MAX_EVIDENCE_TEXT_CHARS, json_schema_extra=_TEXT_SCHEMA)

    _url_on_the_web = field_validator("url")(_web_url)
    _text_not_blank = field_validator("text")(_not_blank)


class ReviewSubmission(_Strict):
    """``POST /v1/claims/{claim_id}/review`` body: an editor's ruling on a verdict."""

    label: Label
    reviewer: str = Field(max_length=MAX_REVIEWER_CHARS, json_schema_extra=NAME_SCHEMA)
    note: str | None = Field(default=None, max_length=MAX_REVIEW_NOTE_CHARS)
    evidence: list[ReviewEvidence] = Field(default_factory=list, max_length=MAX_REVIEW_EVIDENCE)
    url: str | None = Field(
        default=None,
        max_length=_MAX_URL_CHARS,
        json_schema_extra=_URL_SCHEMA,
        description="Where the newsroom publishes this ruling (the ClaimReview's url).",
    )

    _reviewer_is_a_name = field_validator("reviewer")(checked_name)
    _url_on_the_web = field_validator("url")(_web_url)


class Review(BaseModel):
    """An editor's ruling on a claim's verdict, as stored on the claim record."""

    label: Label = Field(description="The editor's label.")
    model_label: Label = Field(description="The verdict's label the editor ruled on.")
    reviewer: str
    note: str | None = None
    evidence: list[ReviewEvidence] = Field(default_factory=list)
    url: str | None = None
    reviewed_at: datetime
    supersedes: datetime | None = Field(
        default=None, description="When the review this one replaced was made, if any."
    )
    resolved_by: str | None = Field(default=None, description="The twin whose ruling this is.")


class ReviewAccepted(BaseModel):
    """The answer to a review: the claim's review as it now stands."""

    claim_id: str
    recorded: bool = Field(
        description="True: this request recorded the review (answered 201); False: the "
        "claim already had this same review, nothing changed (answered 200)."
    )
    stream_id: str = Field(description="The stream id of the review's verdict.reviewed entry.")
    review: Review


class VerdictReviewed(BaseModel):
    """Data of a ``verdict.reviewed`` stream entry."""

    claim_id: str
    article_id: str | None = None
    claim: str | None = Field(
        default=None, description="The reviewed claim's text (absent from older entries)."
    )
    label: Label
    model_label: Label
    note: str | None = None
    reviewer: str
    reviewed_at: datetime
    newsroom: str | None = Field(
        default=None, description="The newsroom whose editor reviewed it (stream filtering)."
    )
    supersedes: datetime | None = Field(
        default=None, description="The reviewed_at of the earlier review this one replaces."
    )
    resolved_by: str | None = Field(default=None, description="The twin whose ruling it is.")


class ClaimStatus(EditedClaim, ClaimDetails, ClaimText):
    """``GET /v1/claims/{id}``: the claim record as stored, its status, verdict and review."""

    status: ClaimState
    article_id: str | None = None
    verdict: Verdict | None = None
    review: Review | None = None


class ArticleClaimStatus(EditedClaim, ClaimDetails, ClaimText):
    """One claim of ``GET /v1/articles/{id}``: the same fields as ``GET /v1/claims/{id}``."""

    status: ClaimState
    verdict: Verdict | None = None
    review: Review | None = None


class ReviewQueueItem(EditedClaim, ClaimDetails, ClaimText):
    """A verdict that needs an editor: the claim, where it came from, and the verdict."""

    article_id: str | None = None
    verdict: Verdict


class ReviewQueue(BaseModel):
    """``GET /v1/review-queue``: one page, most check-worthy first."""

    items: list[ReviewQueueItem]
    next_cursor: str | None = Field(
        default=None, description="Pass as ``cursor`` for the next page; None on the last."
    )


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
    reviewed: int = Field(default=0, description="How many of its claims an editor reviewed.")
    reviewed_counts: dict[Label, int] = Field(
        default_factory=lambda: dict.fromkeys(LABELS, 0),
        description="The editors' labels of the reviewed claims.",
    )
    skipped_sentences: list[SkippedSentence] = Field(
        default_factory=list,
        description="Every sentence not made a claim, and why (as in the submission's answer).",
    )


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
