"""Why a sentence of an article is not a claim: the reasons the intake answers, per sentence.

Re-exported by :mod:`shared.schemas` (the article answers carry them).
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, Field

SkipReason = Literal[
    "non_english", "unreadable", "question", "duplicate", "not_factual", "below_threshold",
    "quote_rhetoric", "over_claim_limit",
]  # fmt: skip
SKIP_REASONS: tuple[str, ...] = get_args(SkipReason)


class SkippedSentence(BaseModel):
    """A sentence of the article that is not a claim, and why, so that an editor can disagree.

    ``reason``: ``non_english`` (``language`` says which), ``unreadable`` (``detail``: the cue:
    fragment, truncated, dangling_end, garbled_quote, repeated_word), ``question``,
    ``duplicate`` (a repeat, or contained in a longer claim), ``not_factual`` (an opinion,
    prediction, hedge or feeling, whatever its score; ``detail``: the cue, ``modal: should``,
    ``hedge: probably``, ``belief: expects``, ``prediction: will``, ``feeling: worried``;
    ``score``: the model's), ``below_threshold`` (``score``:
    the model's check-worthiness against ``CLAIMCHECK_CHECKWORTHINESS_THRESHOLD``),
    ``quote_rhetoric`` (a quotation scored below the threshold: no checkable content),
    ``over_claim_limit`` (a claim beyond ``CLAIMCHECK_MAX_CLAIMS_PER_ARTICLE``, the least
    check-worthy).
    """

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str = Field(description="article_text[start:end]")
    reason: SkipReason
    score: float | None = Field(default=None, ge=0, le=1, description="check-worthiness")
    language: str | None = Field(default=None, description="ISO 639-1 code of the sentence")
    detail: str | None = None
