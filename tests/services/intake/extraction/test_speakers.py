"""Speakers are people or organisations (issue 22): a time or place adverbial that opens the
sentence is not part of the speaker."""

from __future__ import annotations

import pytest

from services.intake.extraction import ClaimExtractor


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (
            "In May 2024 astronomers confirmed that the galaxy is 13.5 billion years old.",
            "astronomers",
        ),
        ("On Tuesday the ministry said that prices rose by 5 percent in 2023.", "the ministry"),
        ("Last week the central bank said that inflation fell to 2 percent.", "the central bank"),
        ("In Paris the ministry said that prices rose by 5 percent in 2023.", "the ministry"),
        (
            "On 12 July 2022 in Washington officials said that the images were the deepest ever.",
            "officials",
        ),
        ("Yesterday Dmitry Peskov told CNN that the talks lasted ten minutes.", "Dmitry Peskov"),
    ],
)
def test_a_leading_time_or_place_is_not_the_speaker(
    rules_extractor: ClaimExtractor, text: str, speaker: str
) -> None:
    (claim,) = rules_extractor.extract(text)
    assert claim.speaker == speaker and claim.attributed


def test_a_phrase_opening_with_an_adverbial_is_never_the_speaker(
    rules_extractor: ClaimExtractor,
) -> None:
    # where the adverbial ends is not known: no speaker rather than "In the control room ..."
    text = "In the control room engineers confirmed that the mirror was aligned in March 2022."
    (claim,) = rules_extractor.extract(text)
    assert claim.speaker is None


def test_a_clause_after_a_leading_date_is_not_the_speaker(rules_extractor: ClaimExtractor) -> None:
    text = "Prices rose sharply in 2021. The next year they fell by 4 percent, the bank said."
    last = rules_extractor.extract(text)[-1]
    assert last.speaker is None or "fell" not in last.speaker


def test_an_adverb_after_the_speaker_is_not_part_of_it(rules_extractor: ClaimExtractor) -> None:
    text = (
        "Donald Trump met Vladimir Putin in Da Nang on Saturday.\n\n"
        "He also said that the talks with Vladimir Putin were useful."
    )
    last = rules_extractor.extract(text)[-1]
    assert last.speaker == "Donald Trump" and last.attributed
