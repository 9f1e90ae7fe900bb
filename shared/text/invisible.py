"""Which characters a reader cannot see: whitespace and Unicode's format characters.

A text made only of these is blank, however long it is. Format characters (general
category ``Cf``) take no space of their own: zero-width space and joiners, the word
joiner, the byte-order mark, direction marks, soft hyphens, tag characters.

:data:`VISIBLE_PATTERN` is both what the API checks a text with and what its OpenAPI
document shows, so that a client reading the schema (or a fuzzer generating from it)
knows the rule exactly. ``\\s`` in it means what it means to Python's :mod:`re`; an
ECMA engine reads its ranges above U+FFFF only with the ``u`` flag (as ajv does).

A person's name (a reviewer's, an editor's) must also hold no bidi control
(:data:`BIDI_CONTROLS`): those reorder the text shown around them, so that one name can
display as another. :data:`NAME_PATTERN` and :func:`checked_name` say so.
"""

from __future__ import annotations

import re
from typing import Final

FORMAT_CHARACTERS: Final[tuple[tuple[int, int], ...]] = (
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD),
    (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E),
    (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F),
    (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD),
    (0x13430, 0x13438), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)  # fmt: skip
"""Code point ranges (inclusive) of category ``Cf`` in Unicode 14.0, the database of
Python 3.11's :mod:`unicodedata` (``tests/shared/text/test_invisible.py`` compares them)."""


def _character_class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges)


VISIBLE_PATTERN: Final = f"[^\\s{_character_class(FORMAT_CHARACTERS)}]"
"""Matches one character that is neither whitespace nor a format character."""

_VISIBLE = re.compile(VISIBLE_PATTERN)


def has_visible(text: str) -> bool:
    """Whether ``text`` holds at least one character a reader can see."""
    return _VISIBLE.search(text) is not None


BIDI_CONTROLS: Final[tuple[tuple[int, int], ...]] = (
    (0x061C, 0x061C), (0x200E, 0x200F), (0x202A, 0x202E), (0x2066, 0x2069),
)  # fmt: skip
"""Unicode's ``Bidi_Control`` characters (all of them format characters): the Arabic
letter mark, the left-to-right and right-to-left marks, the embeddings and overrides
(U+202E, the right-to-left override, shows ``"\\u202eenaJ"`` as "Jane") and the isolates.
They change the order in which the text around them is shown, so a name holding one can
display as another."""

_NOT_BIDI: Final = f"[^{_character_class(BIDI_CONTROLS)}]*"
NAME_PATTERN: Final = f"^{_NOT_BIDI}{VISIBLE_PATTERN}{_NOT_BIDI}$"
"""Matches a person's name: at least one visible character and no bidi control (what
:func:`checked_name` enforces, as the OpenAPI document shows it)."""

_BIDI = re.compile(f"[{_character_class(BIDI_CONTROLS)}]")


def checked_name(value: str) -> str:
    """``value`` when it can stand for a person (a reviewer, an editor): it has visible
    text and no bidi control; else ValueError, which the API answers 422 naming the field."""
    if not has_visible(value):
        raise ValueError("must contain visible text (not only whitespace or zero-width characters)")
    control = _BIDI.search(value)
    if control is not None:
        raise ValueError(
            f"must not contain the direction control U+{ord(control.group()):04X} "
            "(it can make a name display as another)"
        )
    return value
