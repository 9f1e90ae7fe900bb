"""One claim model: every model that carries a claim carries the same ClaimDetails."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from shared.schemas import (
    ArticleClaimStatus,
    ArticleSubmission,
    ClaimDetails,
    ClaimStatus,
    ClaimSubmission,
    Entity,
    ExtractedClaim,
    Verdict,
)
from shared.store.claims import ClaimRecord

ENTITY = Entity(text="Da Nang", label="GPE", start=25, end=32)
DETAILS = ClaimDetails(
    source_text="The summit took place in Da Nang.",
    start=10,
    end=43,
    speaker="Dmitry Peskov",
    attributed=True,
    stand_alone=False,
    checkworthiness=0.81,
    entities=[ENTITY],
)


@pytest.mark.parametrize(
    "model", [ExtractedClaim, ClaimStatus, ArticleClaimStatus, Verdict, ClaimRecord]
)
def test_every_claim_model_carries_the_details(model: type[ClaimDetails]) -> None:
    assert issubclass(model, ClaimDetails)
    for name, field in ClaimDetails.model_fields.items():
        assert model.model_fields[name].description == field.description, name


def test_claim_details_are_a_copy_of_the_fields_alone() -> None:
    record = ClaimRecord(
        claim_id="clm_1", text="Stand-alone.", newsroom="n", **DETAILS.claim_fields()
    )
    details = record.claim_details()
    assert type(details) is ClaimDetails and details == DETAILS
    assert details.entities is not record.entities
    assert set(record.claim_fields()) == set(ClaimDetails.model_fields)


def test_a_record_stamps_its_details_and_newsroom_on_a_verdict() -> None:
    record = ClaimRecord(
        claim_id="clm_1", text="Stand-alone.", newsroom="n", **DETAILS.claim_fields()
    )
    verdict = Verdict(
        claim_id="clm_1",
        claim="Stand-alone.",
        label="supported",
        confidence=0.9,
        needs_review=False,
        checked_at=datetime.now(UTC),
        verifier_version="test",
    )
    stamped = record.stamp(verdict)
    assert stamped.claim_details() == DETAILS and stamped.newsroom == "n"
    assert stamped.entities is not record.entities
    assert verdict.claim_details() == ClaimDetails()  # the original is left alone


def test_api_answers_read_the_record_as_stored() -> None:
    record = ClaimRecord(
        claim_id="clm_1", text="Stand-alone.", article_id="art_1", **DETAILS.claim_fields()
    )
    status = ClaimStatus.model_validate(record, from_attributes=True)
    assert status.claim_details() == DETAILS and status.article_id == "art_1"
    assert status.status == "queued" and status.verdict is None
    answer = ExtractedClaim.model_validate(record, from_attributes=True)
    assert list(answer.model_dump()) == [
        "claim_id", "text", "source_text", "start", "end", "speaker", "attributed",
        "stand_alone", "checkworthiness", "entities", "quote_start", "quote_end",
    ]  # fmt: skip


def test_a_verdict_with_null_details_reads_them_as_defaults() -> None:
    verdict = Verdict.model_validate(
        {
            "claim_id": "c",
            "claim": "x",
            "label": "refuted",
            "confidence": 0.5,
            "needs_review": True,
            "checked_at": "2024-01-01T00:00:00Z",
            "verifier_version": "v",
            "attributed": None,
            "entities": None,
        }
    )
    assert verdict.attributed is False and verdict.entities == []


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "ftp://x", "//x"]
)
def test_only_web_urls_are_accepted(url: str) -> None:
    with pytest.raises(ValidationError, match="http or https"):
        ArticleSubmission.model_validate({"text": "x", "url": url})
    with pytest.raises(ValidationError, match="http or https"):
        ClaimSubmission.model_validate({"text": "x", "source_url": url})


@pytest.mark.parametrize("text", ["\u200b", "\ufeff \u2060", "\u200c\u200d"])
def test_zero_width_text_is_blank(text: str) -> None:
    with pytest.raises(ValidationError, match="visible text"):
        ClaimSubmission.model_validate({"text": text})
