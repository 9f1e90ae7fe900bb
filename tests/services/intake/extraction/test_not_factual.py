"""``not_factual`` and the ``detail`` rule inside the extractor (spaCy's entities, a stub
model)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from services.intake.extraction import ClaimExtractor

FACT = "The city council approved a new budget for the harbour on Tuesday evening."
OPINION = "Council member Ruth Dale said the repair money should have come from the state."
SCHEDULE = "The city council will hold its next public meeting on 3 March."
COUNT = "Residents queued for more than an hour to speak during the public hearing."


class FixedScore:
    """A scorer that gives every sentence the same score."""

    threshold = 0.5

    def __init__(self, score: float) -> None:
        self.fixed = score

    def score(self, texts: Sequence[str]) -> list[float]:
        return [self.fixed] * len(texts)


@pytest.fixture(scope="module")
def unworthy_extractor() -> ClaimExtractor:
    """No sentence reaches the threshold: what is kept is kept by a rule."""
    return ClaimExtractor("en_core_web_sm", scorer=FixedScore(0.1))


def test_an_opinion_is_not_factual_whatever_its_score(rules_extractor: ClaimExtractor) -> None:
    text = f"{FACT} {OPINION}"
    result = rules_extractor.analyse(text)
    assert [c.source_text for c in result.claims] == [FACT]
    (skip,) = result.skipped_sentences(text)
    assert (skip.text, skip.reason, skip.detail) == (OPINION, "not_factual", "modal: should")
    assert skip.score == 0.9  # the model's score is kept for the editor
    assert result.skipped == {"not_factual": 1}


def test_a_dated_future_event_is_a_prediction(rules_extractor: ClaimExtractor) -> None:
    result = rules_extractor.analyse(f"{FACT} {SCHEDULE}")
    notes = [n for n in result.sentences if n.outcome == "not_factual"]
    assert [n.detail for n in notes] == ["prediction: will"]


def test_the_modality_check_can_be_turned_off() -> None:
    plain = ClaimExtractor("en_core_web_sm", scorer=FixedScore(0.9), modality=False)
    assert len(plain.extract(f"{FACT} {OPINION}")) == 2


def test_no_rule_keeps_a_not_factual_sentence(unworthy_extractor: ClaimExtractor) -> None:
    # "expects" would make it Dale's reported statement (the speech rule); it is an expectation
    text = "Mayor Ruth Dale said she expects construction of the bridge to begin in the spring."
    result = unworthy_extractor.analyse(text)
    assert result.claims == []
    assert [n.detail for n in result.sentences] == ["belief: expects"]


def test_a_count_below_the_threshold_is_kept_by_the_detail_rule(
    unworthy_extractor: ClaimExtractor,
) -> None:
    (claim,) = unworthy_extractor.extract(COUNT)
    assert claim.rule == "detail" and claim.checkworthiness >= 0.6
