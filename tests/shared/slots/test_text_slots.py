"""Typed slots found in text: dates with their granularity, quantities with scale, unit,
currency, bound and sign, names, polarity."""

from __future__ import annotations

import pytest

from shared.slots import extract


def test_dates_keep_their_granularity() -> None:
    slots = extract("Webb launched on 25 December 2021, reached L2 in January 2022 and in 2023 it")
    found = [(d.year, d.month, d.day, d.granularity) for d in slots.dates]
    assert found == [(2021, 12, 25, "day"), (2022, 1, None, "month"), (2023, None, None, "year")]


def test_month_first_and_iso_dates_and_decades() -> None:
    slots = extract("Signed on July 4, 1776, filed 2022-01-04, popular in the 1960s.")
    assert [(d.year, d.month, d.day, d.decade) for d in slots.dates] == [
        (1776, 7, 4, None),
        (2022, 1, 4, None),
        (None, None, None, 1960),
    ]


def test_the_anchor_of_a_date_is_kept() -> None:
    slots = extract("She has been mayor since January 2024.")
    assert [d.anchor for d in slots.dates] == ["since"]


def test_a_count_of_four_digits_is_not_a_year() -> None:
    slots = extract("About 1500 people attended.")
    assert slots.dates == ()
    assert [(q.value, q.dimension, q.operator) for q in slots.quantities] == [
        (1500.0, "count:peopl", "~")
    ]


@pytest.mark.parametrize(
    ("text", "value", "dimension", "operator"),
    [
        ("It cost about 10 billion US dollars.", 1e10, "money:USD", "~"),
        ("The bridge cost $2.5bn.", 2.5e9, "money:USD", "="),
        ("A ticket is €15.", 15.0, "money:EUR", "="),
        ("Turnout was >50%.", 50.0, "percent", ">"),
        ("It fell to -4 degrees.", -4.0, "count:degr", "="),
        ("The mirror is 6.5 metres across.", 6.5, "length", "="),
        ("The mirror is about 21 feet across.", 21 * 0.3048, "length", "~"),
        ("An estimated two million spectators came.", 2e6, "count:spectator", "~"),
        ("It ran up to 10⁶ times.", 1e6, "count:tim", "<="),
        ("Sales were less than 1,5 million copies.", 1.5e6, "count:copy", "<"),
    ],
)
def test_quantities(text: str, value: float, dimension: str, operator: str) -> None:
    (quantity,) = extract(text).quantities
    assert quantity.value == pytest.approx(value)
    assert (quantity.dimension, quantity.operator) == (dimension, operator)


def test_a_compound_duration_is_one_quantity() -> None:
    (quantity,) = extract("The mission lasted 8 days, 3 hours and 18 minutes.").quantities
    assert quantity.dimension == "duration"
    assert quantity.value == 8 * 86400 + 3 * 3600 + 18 * 60


def test_numbers_inside_names_are_not_quantities() -> None:
    slots = extract("Apollo 11 used five F-1 engines and the SA-506 vehicle.")
    assert [(q.value, q.dimension) for q in slots.quantities] == [(5.0, "count:engin")]
    assert ("apollo", "11") in [n.key for n in slots.names]


def test_a_difference_is_not_a_size() -> None:
    (quantity,) = extract(
        "The Ever Ace can carry almost 4,000 TEU more than the Ever Given."
    ).quantities
    assert quantity.dimension.startswith("difference:")


def test_names_split_at_commas_and_drop_titles() -> None:
    slots = extract("Neil Armstrong was born in Wapakoneta, Ohio, and met President Joe Biden.")
    assert [n.key for n in slots.names] == [
        ("neil", "armstrong"),
        ("wapakoneta",),
        ("ohio",),
        ("joe", "biden"),
    ]


def test_polarity() -> None:
    assert extract("The moonwalk was not shown live.").polarity.negated
    assert extract("The reflector is no longer in use.").polarity.negated
    assert not extract("The reflector is still used.").polarity.negated
    assert "before" in extract("Aldrin stepped out before Armstrong.").polarity.words


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "The APEC summit of 2017 was held in Da Nang.",
            "The APEC summit of 2018 was held in Da Nang.",
        ),
        ("The city has 2.5 million residents.", "The city has 2.5 billion residents."),
        ("Turnout was >50%.", "Turnout was <50%."),
        ("A ticket costs $15.", "A ticket costs €15."),
        ("The low was -4 degrees.", "The low was 4 degrees."),
        ("It ran 10⁶ times.", "It ran 106 times."),
        ("The moonwalk was shown live.", "The moonwalk was not shown live."),
        ("Barack Obama unveiled the image.", "Joe Biden unveiled the image."),
    ],
)
def test_signatures_tell_claims_apart(a: str, b: str) -> None:
    assert extract(a).signature() != extract(b).signature()


def test_signatures_ignore_wording() -> None:
    a = extract("In 2017 the APEC summit was held in Da Nang.")
    b = extract("The APEC summit was held in Da Nang in 2017!")
    assert a.signature() == b.signature()
