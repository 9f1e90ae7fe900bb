"""Whitespace and format characters are invisible; everything else counts as text."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest

from shared.text.invisible import (
    BIDI_CONTROLS,
    FORMAT_CHARACTERS,
    NAME_PATTERN,
    VISIBLE_PATTERN,
    checked_name,
    has_visible,
)


def test_the_table_is_unicodes_format_category() -> None:
    table = {c for start, end in FORMAT_CHARACTERS for c in range(start, end + 1)}
    unicode_cf = {c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"}
    assert table == unicode_cf


@pytest.mark.parametrize(
    "text",
    ["", " \n\t", "\u200b\u200c\u200d\u2060\ufeff", "\u00ad \u200e\u202e", "\U000e0001\U000e0041"],
)
def test_invisible_texts(text: str) -> None:
    assert not has_visible(text)
    assert re.search(VISIBLE_PATTERN, text) is None


@pytest.mark.parametrize("text", ["a", "\u200bx\u200b", " 1 ", "\u00e9", "\U0001f600", "."])
def test_visible_texts(text: str) -> None:
    assert has_visible(text)


def test_the_bidi_table_is_unicodes_bidi_control() -> None:
    # Bidi_Control: the characters of these bidi classes, and the three marks (ALM, LRM, RLM)
    classes = {"LRE", "RLE", "PDF", "LRO", "RLO", "LRI", "RLI", "FSI", "PDI"}
    by_class = {
        c for c in range(sys.maxunicode + 1) if unicodedata.bidirectional(chr(c)) in classes
    }
    table = {c for start, end in BIDI_CONTROLS for c in range(start, end + 1)}
    assert table == by_class | {0x061C, 0x200E, 0x200F}


REFUSED_NAMES = ["\u202eenaJ", "Jane\u200e", "\u2066Jane\u2069", "\u061c\u062c\u064a\u0646", ""]
REFUSED_NAMES += [" \u200b"]
ACCEPTED_NAMES = ["Jane Editor", "Mehr\u200cdad", "J. O'Neil", "\u062c\u064a\u0646"]


@pytest.mark.parametrize("name", REFUSED_NAMES)
def test_names_with_a_bidi_control_or_nothing_visible_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match=r"direction control U\+|visible text"):
        checked_name(name)
    assert re.search(NAME_PATTERN, name) is None


@pytest.mark.parametrize("name", ACCEPTED_NAMES)
def test_names_in_any_script_with_joiners_are_accepted(name: str) -> None:
    assert checked_name(name) == name
    assert re.search(NAME_PATTERN, name) is not None
