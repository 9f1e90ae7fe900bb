"""Relative dates written out, given the publication date (no model, no spaCy)."""

from __future__ import annotations

from datetime import date

import pytest

from services.intake.extraction.relative_dates import date_edits

SATURDAY = date(2017, 11, 11)


def apply(sentence: str, published: date = SATURDAY) -> str:
    out, pos = [], 0
    for start, end, rep in sorted(date_edits(sentence, published)):
        out += [sentence[pos:start], rep]
        pos = end
    return "".join([*out, sentence[pos:]])


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("They met on Saturday.", "They met on 11 November 2017."),
        ("On Saturday, they met.", "On 11 November 2017, they met."),
        ("They met on Friday morning.", "They met on the morning of 10 November 2017."),
        ("They met last Saturday.", "They met on 4 November 2017."),
        ("They met on Monday.", "They met on 6 November 2017."),
        ("They met yesterday.", "They met on 10 November 2017."),
        ("Talks have gone on since yesterday.", "Talks have gone on since 10 November 2017."),
        ("Yesterday the talks ended.", "On 10 November 2017 the talks ended."),
        ("The vote is today.", "The vote is on 11 November 2017."),
        ("They met last week.", "They met in the week before 11 November 2017."),
        ("Prices rose last month.", "Prices rose in October 2017."),
        ("Prices rose last year.", "Prices rose in 2016."),
        ("Prices will rise next year.", "Prices will rise in 2018."),
        ("Saturday's meeting was short.", "Saturday's meeting was short."),
        ("Nothing relative here in 2017.", "Nothing relative here in 2017."),
    ],
)
def test_relative_dates_are_written_out(sentence: str, expected: str) -> None:
    assert apply(sentence) == expected


def test_last_month_in_january_is_december() -> None:
    assert apply("Prices rose last month.", date(2018, 1, 3)) == "Prices rose in December 2017."


@pytest.mark.parametrize(
    ("sentence", "published", "kept"),
    [
        ("Taxes rose today.", date.max, "on 31 December 9999"),
        ("Taxes will rise tomorrow.", date.max, None),
        ("Taxes rose next year.", date.max, None),
        ("Taxes rose on Saturday.", date.min, None),  # 1 January 0001 was a Monday
        ("Taxes rose last month.", date(1, 1, 15), None),
        ("Taxes rose last year.", date(1, 6, 1), None),
    ],
)
def test_dates_outside_the_calendar_are_left_as_written(
    sentence: str, published: date, kept: str | None
) -> None:
    edits = date_edits(sentence, published)
    assert [e[2] for e in edits] == ([kept] if kept else [])


def test_an_article_dated_at_the_calendars_edge_is_read() -> None:
    """Issue 13: a ``published_at`` of 9999-12-31 or 0001-01-01 made the extractor raise
    (a 500 at the intake)."""
    from datetime import UTC, datetime

    from services.intake.extraction import ClaimExtractor
    from shared.settings import load_settings

    settings = load_settings(auth_enabled=False)
    extractor = ClaimExtractor.warmed_up(
        settings.spacy_model, threshold=settings.checkworthiness_threshold
    )
    try:
        for text, when in [
            ("The mayor said today that taxes rose 5 percent in Springfield.", date.max),
            ("The mayor said on Saturday that taxes rose 5 percent in Springfield.", date.min),
            ("Taxes in Springfield rose 5 percent last month, the mayor said.", date(1, 1, 15)),
        ]:
            published = datetime(when.year, when.month, when.day, tzinfo=UTC)
            assert extractor.analyse(text, published_at=published).claims
    finally:
        extractor.close()
