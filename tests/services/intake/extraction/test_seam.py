"""The wing's seam: the intake sees an :class:`Extractor`, the extractor runs behind it."""

from __future__ import annotations

from datetime import UTC, datetime

from services.intake.extraction import ClaimExtractor, Extraction, Extractor


def analyse_through_the_seam(extractor: Extractor, text: str) -> Extraction:
    return extractor.analyse(text, datetime(2017, 11, 11, tzinfo=UTC))


def test_the_claim_extractor_is_an_extractor(rules_extractor: ClaimExtractor) -> None:
    text = "Donald Trump met Vladimir Putin in Da Nang on Saturday."
    through_seam = analyse_through_the_seam(rules_extractor, text)
    assert through_seam == rules_extractor.analyse(
        text, published_at=datetime(2017, 11, 11, tzinfo=UTC)
    )
    (claim,) = through_seam.claims
    assert claim.text == "Donald Trump met Vladimir Putin in Da Nang on 11 November 2017."
    assert rules_extractor.describe(text).entities
