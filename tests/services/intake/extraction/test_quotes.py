"""First-person quotes rewritten as the speaker's statements (extraction/quotes.py)."""

from __future__ import annotations

import pytest

from services.intake.extraction import ClaimExtractor
from services.intake.extraction.edits import Edits
from services.intake.extraction.quotes import (
    QuoteSpan,
    first_person_edits,
    framed,
    quote_span,
    speaks_in_first_person,
)


def _rewrite(quote: str, speaker: str = "Jane Doe", other: str | None = "John Roe") -> str:
    edits = Edits()
    first_person_edits(quote, QuoteSpan(0, len(quote)), speaker, other, edits)
    return framed(speaker, edits.apply(quote, 0, len(quote)))


@pytest.mark.parametrize(
    ("quote", "expected"),
    [
        (
            "Every time he sees me, he says he did not do it",
            "Jane Doe said that every time John Roe sees Jane Doe, John Roe says John Roe did "
            "not do it.",
        ),
        (
            "I am sure my team won in 2016.",
            "Jane Doe said that Jane Doe is sure Jane Doe\u2019s team won in 2016.",
        ),
        (
            "I don\u2019t think we lost the vote",
            "Jane Doe said that Jane Doe doesn\u2019t think we lost the vote.",
        ),
        (
            "I\u2019d cut taxes by 10 percent",
            "Jane Doe said that Jane Doe would cut taxes by 10 percent.",
        ),
        ("I really believe him", "Jane Doe said that Jane Doe really believes John Roe."),
    ],
)
def test_first_person_is_the_speaker_and_third_person_the_other(quote: str, expected: str) -> None:
    assert _rewrite(quote) == expected


def test_without_another_person_he_stays() -> None:
    assert _rewrite("He told me the truth", other=None) == (
        "Jane Doe said that he told Jane Doe the truth."
    )


def test_we_is_left_alone() -> None:
    assert (
        _rewrite("We won 52 percent of the vote")
        == "Jane Doe said that we won 52 percent of the vote."
    )


def test_quote_span_drops_marks_commas_and_dashes() -> None:
    text = "“We won in 2016,” said Jane Doe."
    span = quote_span(text, 0, text.index(" said"))
    assert span is not None and text[span.start : span.end] == "We won in 2016"
    assert speaks_in_first_person(text, span) is False
    assert speaks_in_first_person("“I won”", QuoteSpan(1, 6)) is True


def test_a_first_person_quote_in_an_article_becomes_an_attributed_claim(
    extractor: ClaimExtractor,
) -> None:
    text = (
        "Senator Maria Lopez met Governor Tom Baker in Austin on Monday.\n\n"
        "“I voted against the 2019 budget because he cut school funding by 12 percent,” "
        "Maria Lopez said."
    )
    result = extractor.analyse(text)
    (claim,) = [c for c in result.claims if c.source_text.startswith("“I voted")]
    assert claim.attributed and claim.speaker == "Maria Lopez"
    assert claim.text == (
        "Maria Lopez said that Maria Lopez voted against the 2019 budget because Tom Baker "
        "cut school funding by 12 percent."
    )
    assert claim.quote_start is not None and claim.quote_end is not None
    assert text[claim.quote_start : claim.quote_end] == (
        "I voted against the 2019 budget because he cut school funding by 12 percent"
    )
