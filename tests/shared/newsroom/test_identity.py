"""What "the same claim" is: :mod:`shared.newsroom.identity`."""

from __future__ import annotations

import pytest

from shared.newsroom.identity import (
    ClaimIdentity,
    claim_identity,
    claim_key,
    details_signature,
    normalise_claim,
    same_details,
)


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("The bridge cost $2.5 billion.", "the bridge cost $ 2 5 billion"),
        ("  the BRIDGE\tcost -- 2.5 billion!! ", "the bridge cost 2 5 billion"),
        ("Turnout was >50%.", "turnout was > 50 %"),
        ("The low was -4 or \u22124 degrees.", "the low was -4 or -4 degrees"),
        ("It ran 10\u2076 times.", "it ran 10 ^ 6 times"),
        ("“Quoted” claim…", "quoted claim"),
        ("\ufb01nal \uff21\uff22\uff23", "final abc"),  # compatibility forms folded
        ("snake_case words", "snake case words"),
        ("Straße", "strasse"),
    ],
)
def test_normalise_claim(text: str, normalised: str) -> None:
    assert normalise_claim(text) == normalised
    assert normalise_claim(normalised) == normalised  # idempotent


def test_claim_keys_tell_different_numbers_apart() -> None:
    assert claim_key("It cost 2.5 billion.") == claim_key("it cost 2,5 billion")
    assert claim_key("It cost 2.5 billion.") != claim_key("It cost 25 billion.")
    assert claim_key("Taxes rose.") != claim_key("Taxes fell.")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Turnout was >50%.", "Turnout was <50%."),
        ("A ticket costs $15.", "A ticket costs \u20ac15."),
        ("The low was -4 degrees.", "The low was 4 degrees."),
        ("It ran 10\u2076 times.", "It ran 106 times."),
        ("Prices rose 5%.", "Prices rose 5."),
        ("It weighs \u00b12 kg.", "It weighs 2 kg."),
        ("It fell \u22644 points.", "It fell \u22654 points."),
    ],
)
def test_normalisation_keeps_every_symbol_that_changes_a_claim(a: str, b: str) -> None:
    assert claim_key(a) != claim_key(b)


def test_the_identity_is_the_key_and_the_details() -> None:
    identity = claim_identity("The bridge opened in 2017.")
    assert identity == ClaimIdentity(
        claim_key("The bridge opened in 2017."), details_signature("The bridge opened in 2017.")
    )
    assert identity.matches("the bridge opened in 2017")
    assert not identity.matches("The bridge opened in 2018.")  # another key
    assert same_details("The bridge opened in 2017.", "In 2017 the bridge opened.")
    assert not same_details("The bridge opened in 2017.", "The bridge opened in 2018.")


def test_the_same_details_in_other_words_are_no_same_claim() -> None:
    identity = claim_identity("The bridge opened in 2017.")
    assert not identity.matches("In 2017 the bridge opened.")  # same details, other text
