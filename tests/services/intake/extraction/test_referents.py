"""Referent-safe rewrites (issue 22): a short name or a description is rewritten only to an
antecedent of a compatible type, never inside a compound noun, and never by a guess."""

from __future__ import annotations

import pytest

from services.intake.extraction import CandidateClaim, ClaimExtractor
from services.intake.extraction.referents import thing_of
from services.intake.extraction.vocabulary import THING_HEADS, THING_PREFIXES

WEBB = (
    "The James Webb Space Telescope was launched in December 2021 by NASA.\n\n"
    "Webb reached the second Lagrange point on 24 January 2022.\n\n"
    "The telescope is named after James E. Webb, who ran NASA from 1961 to 1968."
)


def claims(extractor: ClaimExtractor, text: str) -> list[CandidateClaim]:
    return extractor.extract(text)


def test_a_short_name_is_the_thing_the_article_named_first(
    rules_extractor: ClaimExtractor,
) -> None:
    first, second, third = claims(rules_extractor, WEBB)
    assert second.source_text == "Webb reached the second Lagrange point on 24 January 2022."
    assert second.text == (
        "The James Webb Space Telescope reached the second Lagrange point on 24 January 2022."
    )
    assert third.text == (
        "The James Webb Space Telescope is named after James E. Webb, who ran NASA from 1961 "
        "to 1968."
    )
    assert first.text == first.source_text
    assert all(c.stand_alone for c in (first, second, third))


def test_a_thing_named_after_a_person_is_not_a_person(rules_extractor: ClaimExtractor) -> None:
    first, second, third = claims(rules_extractor, WEBB)
    telescope = [e for e in first.entities if "Telescope" in e.text]
    assert telescope and all(e.label != "PERSON" for e in telescope)
    assert not [e for e in second.entities if e.text == "Webb" and e.label == "PERSON"]
    assert ("James E. Webb", "PERSON") in {(e.text, e.label) for e in third.entities}


def test_a_common_noun_inside_a_compound_is_not_replaced(rules_extractor: ClaimExtractor) -> None:
    text = WEBB + "\n\nIt is the most powerful space telescope ever built, at 10 billion dollars."
    last = claims(rules_extractor, text)[-1]
    assert last.text == last.source_text
    assert "space telescope ever built" in last.text


def test_two_compatible_antecedents_keep_the_words_and_mark_the_claim(
    rules_extractor: ClaimExtractor,
) -> None:
    # both the telescope and James E. Webb are named before "Webb": either could be meant
    text = WEBB + "\n\nAstronomers confirmed in May 2024 that Webb had found a distant galaxy."
    last = claims(rules_extractor, text)[-1]
    assert last.text == last.source_text
    assert last.stand_alone is False


def test_a_description_with_two_antecedents_is_left_as_written(
    rules_extractor: ClaimExtractor,
) -> None:
    text = (
        "The Hubble Space Telescope was launched in 1990 by NASA.\n\n"
        "The James Webb Space Telescope was launched in December 2021 by NASA.\n\n"
        "The telescope cost more than 10 billion dollars in the end."
    )
    last = claims(rules_extractor, text)[-1]
    assert last.text == last.source_text and last.stand_alone is False


def test_a_speech_verb_makes_a_short_name_the_person(rules_extractor: ClaimExtractor) -> None:
    text = WEBB + "\n\nWebb said in 1965 that the agency would land astronauts on the Moon."
    last = claims(rules_extractor, text)[-1]
    assert last.text.startswith("James E. Webb said in 1965")
    assert last.speaker == "James E. Webb" and last.stand_alone


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (
            "The Robert F. Kennedy Bridge carried 170,000 vehicles a day in 2019.",
            "Kennedy closed two lanes for repairs in 2020.",
            "The Robert F. Kennedy Bridge closed two lanes for repairs in 2020.",
        ),
        (
            "The John F. Kennedy International Airport handled 62 million passengers in 2019.",
            "Kennedy opened a new terminal in 2023.",
            "The John F. Kennedy International Airport opened a new terminal in 2023.",
        ),
        (
            "The Hubble Space Telescope was launched in 1990 by NASA.",
            "The telescope was repaired by astronauts in 1993.",
            "The Hubble Space Telescope was repaired by astronauts in 1993.",
        ),
    ],
)
def test_things_named_after_people_by_their_head_noun(
    rules_extractor: ClaimExtractor, first: str, second: str, expected: str
) -> None:
    later = claims(rules_extractor, f"{first}\n\n{second}")[-1]
    assert later.source_text == second
    assert later.text == expected and later.stand_alone


def test_people_are_still_written_out(rules_extractor: ClaimExtractor) -> None:
    text = (
        "Donald Trump met Vladimir Putin in Da Nang on Saturday.\n\n"
        "Putin left Vietnam on Sunday after the summit ended."
    )
    last = claims(rules_extractor, text)[-1]
    assert last.text.startswith("Vladimir Putin left Vietnam") and last.stand_alone


def test_the_head_nouns_are_data() -> None:
    assert {"space telescope", "bridge", "airport", "foundation", "act", "prize"} <= set(
        THING_HEADS
    )
    assert all(h == h.lower() and h.strip() == h for h in (*THING_HEADS, *THING_PREFIXES))
    assert not {"hall", "park", "law", "tower", "street"} & set(THING_HEADS)  # surnames too


@pytest.mark.parametrize(
    ("name", "thing"),
    [
        ("James Webb Space Telescope", ("artefact", "PRODUCT", "space telescope")),
        ("The Robert F. Kennedy Bridge", ("building", "FAC", "bridge")),
        ("Bill and Melinda Gates Foundation", ("organisation", "ORG", "foundation")),
        ("Dodd-Frank Act", ("law", "LAW", "act")),
        ("Nobel Peace Prize", ("award", "WORK_OF_ART", "peace prize")),
        ("USS Gerald R. Ford", ("vehicle", "PRODUCT", "")),
        ("James E. Webb", None),
        ("Stuart Hall", None),
        ("Telescope", None),
    ],
)
def test_a_name_is_a_thing_by_its_head_noun_or_prefix(
    name: str, thing: tuple[str, str, str] | None
) -> None:
    assert thing_of(name) == thing


def test_a_short_name_modifying_a_thing_after_a_possessive_is_not_the_person(
    rules_extractor: ClaimExtractor,
) -> None:
    text = (
        "Astronomer Lena Varga studied comets at the University of Turku for 30 years.\n\n"
        "The agency launched its Varga probe on 3 May 2024 from Kourou."
    )
    last = claims(rules_extractor, text)[-1]
    assert "its Varga probe" in last.text and "Lena Varga probe" not in last.text


def test_a_club_is_written_by_its_short_name_and_the_club_is_it(
    rules_extractor: ClaimExtractor,
) -> None:
    text = (
        "Rivermouth FC signed the goalkeeper Tom Weller on 3 May 2024.\n\n"
        "Rivermouth finished second in the league in 2023.\n\n"
        "The club has won 12 of its 20 matches this season."
    )
    _first, second, third = claims(rules_extractor, text)
    assert second.text == second.source_text  # the short name is the club's name already
    assert third.text.startswith("Rivermouth has won")


def test_the_shipyard_is_the_one_named_with_a_lower_case_head(
    rules_extractor: ClaimExtractor,
) -> None:
    text = (
        "The tanker was built by the Baltic shipyard in 2019.\n\n"
        "Its hull was welded at the shipyard in May 2018."
    )
    last = claims(rules_extractor, text)[-1]
    assert last.text == "Its hull was welded at the Baltic shipyard in May 2018."


@pytest.mark.parametrize(
    ("name", "thing"),
    [
        ("Ministry of Transport", ("organisation", "ORG", "ministry")),
        ("the University of Bergen", ("organisation", "ORG", "university")),
        ("Rivermouth FC", ("club", "ORG", "fc")),
        ("Baltic shipyard", ("building", "FAC", "shipyard")),
        ("Minister of Transport", None),
    ],
)
def test_head_first_names_clubs_and_shipyards_are_things(
    name: str, thing: tuple[str, str, str] | None
) -> None:
    assert thing_of(name) == thing
