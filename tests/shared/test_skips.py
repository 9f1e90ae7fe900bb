"""The skip reasons the intake answers are the extractor's, plus the intake's own."""

from __future__ import annotations

from services.intake.extraction import SKIP_REASONS as EXTRACTION_REASONS
from shared.schemas import ArticleAccepted
from shared.skips import SKIP_REASONS, SkippedSentence


def test_every_reason_of_the_extractor_is_declared_for_the_answers() -> None:
    assert (*EXTRACTION_REASONS, "over_claim_limit") == SKIP_REASONS
    assert "not_factual" in SKIP_REASONS


def test_a_not_factual_sentence_carries_its_cue_and_score() -> None:
    skipped = SkippedSentence(
        start=0,
        end=10,
        text="It may be.",
        reason="not_factual",
        score=0.91,
        detail="modal: may",
    )
    assert skipped.model_dump(exclude_none=True)["detail"] == "modal: may"


def test_the_answers_schema_lists_the_reason() -> None:
    schema = ArticleAccepted.model_json_schema()
    reasons = schema["$defs"]["SkippedSentence"]["properties"]["reason"]["enum"]
    assert "not_factual" in reasons
    assert "not_factual" in schema["properties"]["skipped"]["description"]
