"""Publishers' ratings -> verdict labels, and the copy of the table in docs/sources.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workers.sources.factchecks.ratings import (
    RATING_TABLE,
    label_from_number,
    label_from_text,
    normalise_rating,
    to_float,
)

SOURCES_DOC = Path(__file__).resolve().parents[4] / "docs" / "sources.md"


@pytest.mark.parametrize(
    ("rating", "label"),
    [
        ("Pants on Fire!", "refuted"),
        ("pants-fire", "refuted"),  # LIAR spelling
        ("Mostly False", "refuted"),
        ("barely-true", "refuted"),
        ("FALSE", "refuted"),
        ("Four Pinocchios", "refuted"),
        ("Half True", "conflicting"),
        ("half-true", "conflicting"),
        ("Misleading", "conflicting"),
        ("Mixture", "conflicting"),
        ("Unproven", "not_enough_info"),
        ("No evidence", "not_enough_info"),
        ("True", "supported"),
        ("mostly-true", "supported"),
        ("MOSTLY_TRUE", "supported"),
        ("Correct Attribution", "supported"),
        # sentences: the phrase they start with, else the longest phrase in a short one
        ("False. The photo was taken in 2015, not during the fires.", "refuted"),
        ("This claim is mostly false", "refuted"),
        ("We rate this Half True.", "conflicting"),
        # negated phrases are not read as the phrase
        ("Not accurate", "refuted"),
        ("Isn't true", None),
        # not truth ratings
        ("Flip-flop", None),
        ("Labeled Satire", None),
        ("Explainer", None),
        ("", None),
        (None, None),
    ],
)
def test_textual_ratings(rating: str | None, label: str | None) -> None:
    assert label_from_text(rating) == label


def test_longest_phrase_wins() -> None:
    # "half true" and "mostly false" contain "true"/"false" but mean something else
    assert label_from_text("It is half true") == "conflicting"
    assert label_from_text("Rated: mostly false") == "refuted"
    assert label_from_text("not true") == "refuted"


def test_long_explanations_are_not_searched_for_phrases() -> None:
    text = "The senator's office said the figure came from a report that we could not " * 2
    assert label_from_text(text + "true") is None


@pytest.mark.parametrize(
    ("value", "worst", "best", "label"),
    [
        (1, 1, 5, "refuted"),
        (2, 1, 5, "refuted"),
        (3, 1, 5, "conflicting"),
        (4, 1, 5, "supported"),
        (5, 1, 5, "supported"),
        (2, None, None, "refuted"),  # default scale 1..5
        # PolitiFact as 0..5: pants on fire, false, barely true, half true, mostly true, true
        (0, 0, 5, "refuted"),
        (2, 0, 5, "refuted"),
        (3, 0, 5, "conflicting"),
        (4, 0, 5, "supported"),
        (1, 5, 1, "supported"),  # a scale that runs backwards
        (7, 1, 5, None),  # off the scale
        (3, 3, 3, None),  # degenerate scale
        (None, 1, 5, None),
        (float("nan"), 1, 5, None),
    ],
)
def test_numeric_ratings(
    value: float | None, worst: float | None, best: float | None, label: str | None
) -> None:
    assert label_from_number(value, worst, best) == label


def test_text_wins_over_number_and_number_fills_in() -> None:
    assert normalise_rating("False", 5, 1, 5) == "refuted"
    assert normalise_rating("Explainer", 5, 1, 5) == "supported"
    assert normalise_rating(None, 1, 1, 5) == "refuted"


def test_to_float() -> None:
    assert to_float("4") == 4.0
    assert to_float(2) == 2.0
    assert to_float(" 3.5 ") == 3.5
    assert to_float("four") is None
    assert to_float(True) is None
    assert to_float(None) is None


def test_the_documented_table_matches_the_code() -> None:
    text = SOURCES_DOC.read_text(encoding="utf-8")
    section = text.split("<!-- rating-table -->")[1].split("<!-- /rating-table -->")[0]
    rows = {
        m.group(1): {p.strip() for p in m.group(2).split(",")}
        for m in re.finditer(r"^\| `(\w+)` \| (.+?) \|$", section, re.MULTILINE)
    }
    assert rows == {label: set(phrases) for label, phrases in RATING_TABLE.items()}
