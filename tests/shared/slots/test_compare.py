"""Claim ↔ sentence comparison: agree, conflict (naming the slot and both values) or
unaligned, on the slips reporters make."""

from __future__ import annotations

import pytest

from shared.slots import compare, extract


def _compare(claim: str, sentence: str) -> tuple[str, list[str]]:
    alignment = compare(extract(claim), extract(sentence))
    return alignment.result, [c.describe() for c in alignment.conflicts]


@pytest.mark.parametrize(
    ("claim", "sentence", "conflict"),
    [
        (
            "The deployment of the sunshield was completed on 4 March 2022.",
            "The deployment of the sunshield was completed on 4 January 2022.",
            "claim: 4 March 2022 · source: 4 January 2022",
        ),
        (
            "President Barack Obama unveiled Webb's First Deep Field.",
            "President Joe Biden unveiled Webb's First Deep Field on 11 July 2022.",
            "claim: President Barack Obama · source: President Joe Biden",
        ),
        (
            "Chandra was launched aboard Atlantis.",
            "Chandra was launched aboard the Space Shuttle Columbia in 1999.",
            "claim: Atlantis · source: Space Shuttle Columbia",
        ),
        (
            "The primary mirror is 8.2 metres across.",
            "The primary mirror is 6.5 metres across.",
            "claim: 8.2 metres · source: 6.5 metres",
        ),
        (
            "It cost about 10 million US dollars.",
            "The telescope cost about 10 billion US dollars.",
            "claim: 10 million US dollars · source: 10 billion US dollars",
        ),
        (
            "The Saturn V stood 363 metres tall.",
            "The Saturn V stood 363 feet (110.6 metres) tall with the Apollo spacecraft on top.",
            "claim: 363 metres · source: 363 feet",
        ),
        (
            "Neil Armstrong was born in Wapakoneta, Indiana.",
            "Neil Armstrong was born on 5 August 1930 in Wapakoneta, Ohio.",
            "claim: Indiana · source: Ohio",
        ),
        (
            "The Apollo 11 moonwalk was not shown live on television.",
            "The Apollo 11 moonwalk was broadcast live on television around the world.",
            "claim: not shown live · source: stated without negation",
        ),
        (
            "Apollo 11 was the second crewed mission to land on the Moon.",
            "Apollo 11 was the first crewed mission to land on the Moon.",
            "claim: second · source: first",
        ),
        (
            "She has been mayor since 2020.",
            "She has been mayor since January 2024.",
            "claim: 2020 · source: January 2024",
        ),
        (
            "Michael Collins was the lunar module pilot on Apollo 11.",
            "The Apollo 11 crew consisted of commander Neil Armstrong, command module pilot "
            "Michael Collins and lunar module pilot Edwin 'Buzz' Aldrin.",
            "claim: Michael Collins · source: Edwin 'Buzz' Aldrin",
        ),
        (
            "The Suez Canal Authority later raised its demand to $550 million.",
            "The Suez Canal Authority later lowered its demand to $550 million.",
            "claim: raised · source: lowered",
        ),
    ],
)
def test_slips_conflict(claim: str, sentence: str, conflict: str) -> None:
    assert _compare(claim, sentence) == ("conflict", [conflict])


@pytest.mark.parametrize(
    ("claim", "sentence"),
    [
        ("Webb launched on 25 December 2021.", "Webb launched on 25 December 2021 from Kourou."),
        (
            "The Spitzer Space Telescope was launched by NASA in 2003.",
            "The Spitzer Space Telescope was launched by NASA in 2003.",
        ),
        ("Apollo 11 lifted off in 2022.", "Apollo 11 lifted off on 4 January 2022."),
        ("The primary mirror is about 21 feet across.", "The primary mirror is 6.5 metres across."),
        ("It cost about 10 billion dollars.", "It cost 9.7 billion dollars."),
        (
            "Eagle spent more than 21 hours on the surface.",
            "Eagle spent 21 hours and 36 minutes on the surface.",
        ),
        (
            "The mission lasted just over eight days.",
            "The mission lasted 8 days, 3 hours and 18 minutes.",
        ),
        ("Leona Lewis is an English singer.", "Leona Lewis is a British singer."),
    ],
)
def test_the_same_details_agree(claim: str, sentence: str) -> None:
    assert _compare(claim, sentence) == ("agree", [])


def test_a_finer_claim_than_its_source_is_open_not_agreed() -> None:
    alignment = compare(extract("It opened on 4 March 2022."), extract("It opened in 2022."))
    assert alignment.result == "agree" and alignment.open_slots == 1 and not alignment.complete


def test_a_look_alike_event_is_not_aligned() -> None:
    claim = "Apollo 11 lifted off from the Kennedy Space Center on 16 July 1969."
    decoy = "Apollo 12 lifted off from the Kennedy Space Center on 14 November 1969."
    assert _compare(claim, decoy) == ("unaligned", [])


def test_another_fact_about_the_subject_is_not_aligned() -> None:
    assert _compare(
        "Michael Collins died on 28 April 2020.",
        "Michael Collins was born on 31 October 1930 in Rome, Italy.",
    ) == ("unaligned", [])


def test_a_negation_in_another_clause_is_no_conflict() -> None:
    assert (
        _compare(
            "Shahnaz will sell coffee and chocolate cosmetics in her chain.",
            "Shahnaz says her chain, which will sell coffee and chocolate cosmetics, will have "
            "nothing to do with Starbucks.",
        )[0]
        == "agree"
    )
