"""Context-dependent dates (issue 22): ``the same day``, ``that year``... take their date from
the sentence before, and the check-worthiness model scores the resolved text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from services.intake.extraction import ClaimExtractor

RELEASED = "The first full-colour images were released by NASA on 12 July 2022."
SAME_DAY = "Science operations began the same day."


@pytest.mark.parametrize(
    ("before", "sentence", "expected"),
    [
        (RELEASED, SAME_DAY, "Science operations began on 12 July 2022."),
        (
            RELEASED,
            "Engineers released the first spectra the following day.",
            "Engineers released the first spectra on 13 July 2022.",
        ),
        (
            "NASA released the first images of the telescope in July 2022.",
            "The agency also published the calibration data that month.",
            "The agency also published the calibration data that month (July 2022).",
        ),
        (
            RELEASED,
            "That year, the agency also published 300 scientific papers.",
            "In 2022, the agency also published 300 scientific papers.",
        ),
        (
            RELEASED,
            "By the same day, the agency had published 300 scientific papers.",
            "By 12 July 2022, the agency had published 300 scientific papers.",
        ),
        (
            RELEASED,
            "Later that year the agency published 300 scientific papers.",
            "Later in 2022 the agency published 300 scientific papers.",
        ),
        (
            "The James Webb Space Telescope was launched by NASA in December 2021.",
            "Its mirror was fully unfolded by engineers the following month.",
            "Its mirror was fully unfolded by engineers in January 2022.",
        ),
        (
            "The Hubble Space Telescope was launched by NASA in 1990.",
            "Its mirror had been polished by engineers the previous year.",
            "Its mirror had been polished by engineers in 1989.",
        ),
    ],
)
def test_a_date_taken_from_the_sentence_before(
    rules_extractor: ClaimExtractor, before: str, sentence: str, expected: str
) -> None:
    last = rules_extractor.extract(f"{before} {sentence}")[-1]
    assert last.source_text == sentence
    assert last.text == expected and last.stand_alone


def test_a_date_earlier_in_the_same_sentence(rules_extractor: ClaimExtractor) -> None:
    text = "The images were released on 12 July 2022 and science operations began the same day."
    (claim,) = rules_extractor.extract(text)
    assert claim.text == (
        "The images were released on 12 July 2022 and science operations began on 12 July 2022."
    )


def test_a_relative_date_before_is_an_anchor_too(rules_extractor: ClaimExtractor) -> None:
    text = "NASA released the first images of the telescope on Tuesday. " + SAME_DAY
    thursday = datetime(2022, 7, 14, 9, 0, tzinfo=UTC)
    last = rules_extractor.extract(text, published_at=thursday)[-1]
    assert last.text == "Science operations began on 12 July 2022."


@pytest.mark.parametrize(
    "text",
    [
        # a month is not a day: the phrase is left as written
        "The James Webb Space Telescope was launched by NASA in December 2021. " + SAME_DAY,
        # no date before at all
        "The James Webb Space Telescope was launched by NASA. " + SAME_DAY,
    ],
)
def test_a_date_without_an_anchor_is_left_and_marked(
    rules_extractor: ClaimExtractor, text: str
) -> None:
    last = rules_extractor.extract(text)[-1]
    assert last.text == SAME_DAY and last.stand_alone is False


def test_that_day_as_an_object_is_not_given_a_preposition(rules_extractor: ClaimExtractor) -> None:
    # (indicative: "will never forget that day" is a prediction, not_factual)
    sentence = "Engineers at NASA still remember that day, the director told staff."
    last = rules_extractor.extract(f"{RELEASED} {sentence}")[-1]
    assert "remember that day (12 July 2022)," in last.text and last.stand_alone


def test_the_next_year_is_not_next_year_from_publication(rules_extractor: ClaimExtractor) -> None:
    # (indicative: "expects prices to fall the next year" is an expectation, not_factual)
    text = "The central bank said prices in Vietnam fell sharply the next year."
    published = datetime(2017, 11, 11, tzinfo=UTC)
    (claim,) = rules_extractor.extract(text, published_at=published)
    assert claim.text == text and claim.stand_alone is False


class YearsWorthy:
    """Scores a text check-worthy when it holds a year: records what it was asked."""

    threshold = 0.5

    def __init__(self) -> None:
        self.seen: list[str] = []

    def score(self, texts: Sequence[str]) -> list[float]:
        self.seen += texts
        return [0.9 if re.search(r"\b\d{4}\b", t) else 0.1 for t in texts]


def test_the_model_scores_the_resolved_text() -> None:
    scorer = YearsWorthy()
    extractor = ClaimExtractor("en_core_web_sm", scorer=scorer, rules=False)
    try:
        result = extractor.analyse(f"{RELEASED}\n\n{SAME_DAY}")
    finally:
        extractor.close()
    resolved = "Science operations began on 12 July 2022."
    assert resolved in scorer.seen
    assert [c.text for c in result.claims] == [RELEASED, resolved]
    assert result.claims[1].checkworthiness == 0.9


def test_the_same_day_is_checked(extractor: ClaimExtractor) -> None:
    result = extractor.analyse(f"{RELEASED}\n\n{SAME_DAY}")
    (claim,) = [c for c in result.claims if c.source_text == SAME_DAY]
    assert claim.text == "Science operations began on 12 July 2022."
    assert claim.checkworthiness >= extractor.threshold and claim.rule is None
