"""Text-fragment links (``#:~:text=``) that land on an evidence sentence."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from shared.text.fragment import encode_term, fragment_link, text_directive

URL = "https://en.wikipedia.org/wiki/APEC_Vietnam_2017"


def test_a_short_sentence_is_matched_whole() -> None:
    assert (
        fragment_link(URL, "The 2017 APEC summit took place in Da Nang.")
        == URL + "#:~:text=The%202017%20APEC%20summit%20took%20place%20in%20Da%20Nang."
    )


def test_the_docstring_example() -> None:
    assert (
        fragment_link("https://example.org/a", "Water boils at 100 degrees.")
        == "https://example.org/a#:~:text=Water%20boils%20at%20100%20degrees."
    )


@pytest.mark.parametrize("url", [None, ""])
def test_no_url_no_link(url: str | None) -> None:
    assert fragment_link(url, "Any sentence at all.") is None


def test_directive_syntax_and_reserved_characters_are_encoded() -> None:
    sentence = "Saint-Denis, 5% & more: #1 (a/b)? x+y=z 'q' @ ~_."  # ten words
    link = fragment_link("https://example.org/p", sentence)
    assert link == (
        "https://example.org/p#:~:text="
        "Saint%2DDenis%2C%205%25%20%26%20more%3A%20%231%20%28a%2Fb%29%3F"
        "%20x%2By%3Dz%20%27q%27%20%40%20~_."
    )
    directive = link.split("#:~:", 1)[1]
    # nothing in the text can end the directive or split it into terms
    assert re.fullmatch(r"text=[A-Za-z0-9%._~]+", directive)
    assert unquote(directive.removeprefix("text=")) == sentence


def test_a_hyphen_is_always_encoded() -> None:
    # a literal '-' would make 'well-' a prefix term and '-known' a suffix term
    assert encode_term("well-known") == "well%2Dknown"
    assert encode_term("-5") == "%2D5"
    assert text_directive("a - b") == "text=a%20%2D%20b"


def test_non_ascii_text_is_utf8_percent_encoded() -> None:
    assert fragment_link(URL, "Đà Nẵng hosted “APEC”.") == (
        URL + "#:~:text=%C4%90%C3%A0%20N%E1%BA%B5ng%20hosted%20%E2%80%9CAPEC%E2%80%9D."
    )


def test_whitespace_is_collapsed() -> None:
    assert fragment_link(URL, "  The summit\n\twas\u00a0 held   in Da Nang. ") == (
        URL + "#:~:text=The%20summit%20was%20held%20in%20Da%20Nang."
    )


def test_a_long_sentence_uses_its_first_and_last_words() -> None:
    sentence = (
        "The 2017 APEC summit, the twenty-fifth of its kind, took place in "
        "Da Nang, Vietnam, on 10 November."
    )
    assert fragment_link(URL, sentence) == (
        URL + "#:~:text=The%202017%20APEC%20summit%2C,Vietnam%2C%20on%2010%20November."
    )


def test_ten_words_are_matched_whole_and_eleven_by_their_edges() -> None:
    ten = "one two three four five six seven eight nine ten"
    assert text_directive(ten) == "text=" + "%20".join(ten.split())
    eleven = ten + " eleven"
    assert text_directive(eleven) == "text=one%20two%20three%20four,eight%20nine%20ten%20eleven"


def test_an_existing_fragment_is_kept_before_the_directive() -> None:
    assert (
        fragment_link(URL + "#History", "Da Nang hosted it.")
        == URL + "#History:~:text=Da%20Nang%20hosted%20it."
    )


def test_an_empty_fragment_is_not_doubled() -> None:
    assert (
        fragment_link(URL + "#", "Da Nang hosted it.") == URL + "#:~:text=Da%20Nang%20hosted%20it."
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (URL + "#:~:text=old%20words", URL + "#:~:text=New%20words."),
        (URL + "#History:~:text=old&text=more", URL + "#History:~:text=New%20words."),
        (URL + "#:~:", URL + "#:~:text=New%20words."),
    ],
)
def test_an_existing_directive_is_replaced(url: str, expected: str) -> None:
    assert fragment_link(url, "New words.") == expected


def test_the_query_string_is_left_alone() -> None:
    assert (
        fragment_link("https://example.org/search?q=a+b&page=2", "Found it.")
        == "https://example.org/search?q=a+b&page=2#:~:text=Found%20it."
    )


def test_a_blank_sentence_gives_the_plain_url() -> None:
    assert text_directive(" \n ") is None
    assert fragment_link(URL, "   ") == URL
    assert fragment_link(URL + "#History:~:text=old", "") == URL + "#History"
    assert fragment_link(URL + "#:~:text=old", "") == URL
