"""Who publishes a newsroom's fact-checks: the name and site that ClaimReview's ``author``
carries, and where each review will live (``url``, from a template with ``{claim_id}``).

Set per newsroom with ``CLAIMCHECK_NEWSROOM_PUBLISHERS`` (a JSON object newsroom ->
publisher); a newsroom without one cannot export ClaimReview that search engines accept.
"""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

REVIEW_URL_FIELD: Final = "{claim_id}"
"""The placeholder a review URL template must hold."""


class Publisher(BaseModel):
    """A newsroom as the publisher of its fact-checks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="e.g. The Daily Planet")
    url: str = Field(pattern=r"^https?://[^\s]+$", description="The newsroom's site.")
    review_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s]+$",
        description="Where a fact-check is published, with {claim_id}; e.g. "
        "https://dailyplanet.example/fact-checks/{claim_id}",
    )

    @field_validator("review_url")
    @classmethod
    def _has_claim_id(cls, value: str | None) -> str | None:
        if value is not None and REVIEW_URL_FIELD not in value:
            raise ValueError(f"must contain {REVIEW_URL_FIELD}")
        return value

    def review_url_for(self, claim_id: str) -> str | None:
        """The page of the fact-check of ``claim_id``; None without a template."""
        return self.review_url.replace(REVIEW_URL_FIELD, claim_id) if self.review_url else None
