"""A long-running intake does not keep the strings of every lone claim it described."""

from __future__ import annotations

from services.intake.extraction import ClaimExtractor


def test_describe_keeps_no_new_strings(extractor: ClaimExtractor) -> None:
    strings = extractor._nlp.vocab.strings
    extractor.describe("Warm-up: the summit in Da Nang cost 1 dollar.")
    before = len(strings)
    for i in range(50):
        facts = extractor.describe(f"Zyxquorbian minister Qwelltrand{i} spent {918273 + i} dong.")
        assert facts.entities  # the entities are read inside the zone and kept
    assert len(strings) == before
    facts = extractor.describe("Donald Trump met Vladimir Putin in Da Nang, Vietnam.")
    assert {e.text for e in facts.entities} >= {"Donald Trump", "Da Nang"}
