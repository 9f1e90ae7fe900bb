"""Whitespace and format characters are invisible; everything else counts as text."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest

from shared.invisible import FORMAT_CHARACTERS, VISIBLE_PATTERN, has_visible


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
