from __future__ import annotations

import re

import pytest

from services.intake.extraction import (
    CandidateClaim,
    ClaimExtractor,
    is_mostly_non_latin,
    split_blocks,
)

CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def assert_exact(text: str, claims: list[CandidateClaim]) -> None:
    for claim in claims:
        assert text[claim.start : claim.end] == claim.text
        assert claim.text == claim.text.strip() and claim.text


def test_seed_article_yields_claims_with_exact_offsets(
    extractor: ClaimExtractor, seed_text: str
) -> None:
    result = extractor.analyse(seed_text)
    assert len(result.claims) >= 10
    assert_exact(seed_text, result.claims)
    starts = [c.start for c in result.claims]
    assert starts == sorted(starts)
    assert not any(CYRILLIC.search(c.text) for c in result.claims)
    assert result.skipped["non_latin_script"] == 1
    # the truncated teaser line ("... destruction of the...") is not a claim
    assert not any(c.text.endswith("...") for c in result.claims)
    assert "Secretary of the Kremlin Dmitry Peskov told CNN" in " ".join(
        c.text for c in result.claims
    )
    # no sentence runs across a paragraph break
    assert not any("\n\n" in c.text for c in result.claims)


def test_extract_returns_the_same_claims_as_analyse(
    extractor: ClaimExtractor, seed_text: str
) -> None:
    assert extractor.extract(seed_text) == extractor.analyse(seed_text).claims


def test_questions_are_dropped(extractor: ClaimExtractor) -> None:
    text = (
        "Did Vladimir Putin meet Donald Trump in Da Nang on Saturday? "
        "Vladimir Putin met Donald Trump in Da Nang on Saturday."
    )
    result = extractor.analyse(text)
    assert [c.text for c in result.claims] == [
        "Vladimir Putin met Donald Trump in Da Nang on Saturday."
    ]
    assert result.skipped == {"question": 1}


def test_exact_duplicates_are_dropped(extractor: ClaimExtractor) -> None:
    sentence = "The APEC summit of 2017 was held in Da Nang, Vietnam."
    text = f"{sentence}\n\nSomething else happened in Hanoi in 2018, officials said.\n\n{sentence}"
    result = extractor.analyse(text)
    assert [c.text for c in result.claims].count(sentence) == 1
    assert result.claims[0].start == 0
    assert result.skipped == {"duplicate": 1}
    assert_exact(text, result.claims)


def test_headlines_without_a_verb_and_short_sentences_are_dropped(
    extractor: ClaimExtractor,
) -> None:
    text = (
        "Summit diplomacy in Da Nang, Vietnam, November 2017\n\n"
        "Putin agreed.\n\n"
        "Russia and the United States signed a joint statement on Syria in 2017."
    )
    result = extractor.analyse(text)
    assert [c.text for c in result.claims] == [
        "Russia and the United States signed a joint statement on Syria in 2017."
    ]
    assert result.skipped == {"no_finite_verb": 1, "too_short": 1}


def test_sentences_with_nothing_checkable_are_dropped(extractor: ClaimExtractor) -> None:
    result = extractor.analyse("It is not a toy, it is a very real problem for us.")
    assert result.claims == []
    assert result.skipped == {"nothing_checkable": 1}


def test_sentences_do_not_span_paragraphs(extractor: ClaimExtractor) -> None:
    # no full stop at the end of the first paragraph
    text = (
        "The presidents of the United States and Russia met in Da Nang on Saturday\n\n"
        "  The summit ended on Sunday with a statement on Syria.  \r\n"
    )
    claims = extractor.extract(text)
    assert [c.text for c in claims] == [
        "The presidents of the United States and Russia met in Da Nang on Saturday",
        "The summit ended on Sunday with a statement on Syria.",
    ]
    assert_exact(text, claims)
    assert claims[1].start == text.index("The summit")


def test_non_latin_line_inside_a_paragraph_is_skipped(extractor: ClaimExtractor) -> None:
    text = (
        "Трамп и Путин подтвердили общую цель в Дананге\n"
        "Donald Trump and Vladimir Putin met in Da Nang on Saturday morning."
    )
    result = extractor.analyse(text)
    assert [c.text for c in result.claims] == [
        "Donald Trump and Vladimir Putin met in Da Nang on Saturday morning."
    ]
    assert result.claims[0].start == text.index("Donald")
    assert result.skipped == {"non_latin_script": 1}


@pytest.mark.parametrize("text", ["", "   \n\n\t  ", "Привет, мир!"])
def test_nothing_to_extract(extractor: ClaimExtractor, text: str) -> None:
    assert extractor.extract(text) == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Трамп и Путин подтвердили общую цель", True),
        ("東京は日本の首都です", True),
        ("Café in Zürich, São Paulo and Kraków", False),
        ("APEC summit: Трамп", False),  # mostly Latin letters
        ("12 345 -- 2017", False),
        ("", False),
    ],
)
def test_is_mostly_non_latin(line: str, expected: bool) -> None:
    assert is_mostly_non_latin(line) is expected


def test_split_blocks_keeps_offsets() -> None:
    text = "First line\nsecond line\n\n \n\nТретья строка\nFourth line\n\n\nFifth"  # noqa: RUF001
    blocks, skipped = split_blocks(text)
    assert skipped == 1
    assert [b.text for b in blocks] == ["First line\nsecond line", "Fourth line", "Fifth"]
    for block in blocks:
        assert text[block.start : block.start + len(block.text)] == block.text


def test_unknown_model_is_reported() -> None:
    with pytest.raises(OSError, match="no_such_model"):
        ClaimExtractor("no_such_model")
