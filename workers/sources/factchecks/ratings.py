"""Publishers' ratings mapped onto claimcheck's verdict labels.

Fact-checkers rate claims in their own words ("Pants on Fire", "Mostly False", "Four
Pinocchios", "Mixture") and sometimes with a number on their own scale (``ratingValue``
between ``worstRating`` and ``bestRating``). :func:`normalise_rating` turns either into
``supported``, ``refuted``, ``conflicting`` or ``not_enough_info``, or None when the rating
says nothing about truth ("Flip-flop", "Satire", "Explainer"). The verbatim rating is always
kept next to the label; only a mapped label can decide a verdict.

Text is matched after lower-casing and dropping punctuation: first the whole rating, then
the longest known phrase the rating starts with ("False. The photo shows ..."), then, for
short ratings, the longest known phrase anywhere in it ("This claim is mostly false").
Longest wins, so "mostly false" beats "false" and "not true" beats "true". ``docs/sources.md``
repeats :data:`RATING_TABLE` as a table; a test keeps the two in step.
"""

from __future__ import annotations

import math
import re
from typing import Final, Literal

Label = Literal["supported", "refuted", "conflicting", "not_enough_info"]

SUPPORTED: Final = "supported"
REFUTED: Final = "refuted"
CONFLICTING: Final = "conflicting"
NOT_ENOUGH_INFO: Final = "not_enough_info"

RATING_TABLE: Final[dict[Label, tuple[str, ...]]] = {
    SUPPORTED: (
        "true",
        "mostly true",
        "correct",
        "mostly correct",
        "accurate",
        "mostly accurate",
        "correct attribution",
        "legit",
        "verified",
        "confirmed",
        "real",
        "geppetto checkmark",
        "one pinocchio",
    ),
    REFUTED: (
        "false",
        "mostly false",
        "barely true",
        "pants on fire",
        "pants fire",
        "not true",
        "not correct",
        "not accurate",
        "not real",
        "incorrect",
        "inaccurate",
        "mostly inaccurate",
        "wrong",
        "fake",
        "fabricated",
        "hoax",
        "scam",
        "debunked",
        "baseless",
        "misattributed",
        "miscaptioned",
        "altered",
        "doctored",
        "manipulated",
        "false context",
        "three pinocchios",
        "four pinocchios",
    ),
    CONFLICTING: (
        "half true",
        "mixture",
        "mixed",
        "partly true",
        "partly false",
        "partially true",
        "partially false",
        "half right",
        "misleading",
        "missing context",
        "lacks context",
        "needs context",
        "out of context",
        "cherry picks",
        "cherry picking",
        "exaggerated",
        "exaggerates",
        "distorts the facts",
        "two pinocchios",
    ),
    NOT_ENOUGH_INFO: (
        "unproven",
        "unverified",
        "unverifiable",
        "unsubstantiated",
        "unsupported",
        "no evidence",
        "insufficient evidence",
        "research in progress",
        "undetermined",
        "unknown",
        "not enough info",
        "not enough information",
    ),
}
"""Every known rating phrase (normalised form) per label. Anything else maps to None."""

NUMERIC_REFUTED_BELOW: Final = 0.45
NUMERIC_SUPPORTED_FROM: Final = 0.7
"""Numeric ratings: the position ``(value - worst) / (best - worst)`` in [0, 1] is refuted
below 0.45, conflicting below 0.7, supported from 0.7. On a 1..5 scale that is 1-2 refuted,
3 conflicting, 4-5 supported; on PolitiFact's 0..5 (Pants on Fire .. True) 0-2 refuted
(Barely True included), 3 conflicting, 4-5 supported."""

_MAX_WORDS_FOR_ANYWHERE = 12
_NEGATORS = frozenset({"not", "no", "never", "nor", "isnt", "wasnt", "arent"})
_APOSTROPHES = re.compile("['\u2019]")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)

_PHRASES: dict[str, Label] = {
    phrase: label for label, phrases in RATING_TABLE.items() for phrase in phrases
}
_BY_LENGTH = sorted(_PHRASES, key=lambda p: (-len(p.split()), -len(p)))


def normalise_text(rating: str) -> str:
    """Lower case, apostrophes dropped, other punctuation and underscores to spaces."""
    text = _APOSTROPHES.sub("", rating.lower()).replace("_", " ")
    return " ".join(_NON_WORD.sub(" ", text).split())


def label_from_text(rating: str | None) -> Label | None:
    """The label of a textual rating, or None when it is not a truth rating we know."""
    if not rating:
        return None
    text = normalise_text(rating)
    if not text:
        return None
    exact = _PHRASES.get(text)
    if exact is not None:
        return exact
    padded = f" {text} "
    for phrase in _BY_LENGTH:
        if padded.startswith(f" {phrase} "):
            return _PHRASES[phrase]
    if len(text.split()) > _MAX_WORDS_FOR_ANYWHERE:
        return None
    best: tuple[int, int, str] | None = None  # (-words, position, phrase)
    for phrase in _BY_LENGTH:
        for match in re.finditer(f"(?<= ){re.escape(phrase)}(?= )", padded):
            before = padded[: match.start()].split()
            if before and before[-1] in _NEGATORS:
                continue  # "not accurate", "isn't true": not the phrase's meaning
            key = (-len(phrase.split()), match.start(), phrase)
            if best is None or key < best:
                best = key
    return _PHRASES[best[2]] if best else None


def label_from_number(
    value: float | None, worst: float | None = None, best: float | None = None
) -> Label | None:
    """The label of ``value`` on the ``worst``..``best`` scale (default 1..5).

    None when the scale is degenerate or the value is missing, not finite or off the scale.
    A scale may run backwards (worst > best).
    """
    if value is None:
        return None
    low = 1.0 if worst is None else worst
    high = 5.0 if best is None else best
    if not all(math.isfinite(x) for x in (value, low, high)) or low == high:
        return None
    position = (value - low) / (high - low)
    if position < -1e-9 or position > 1 + 1e-9:
        return None
    if position < NUMERIC_REFUTED_BELOW:
        return REFUTED
    if position < NUMERIC_SUPPORTED_FROM:
        return CONFLICTING
    return SUPPORTED


def normalise_rating(
    text: str | None,
    value: float | None = None,
    worst: float | None = None,
    best: float | None = None,
) -> Label | None:
    """The label of a rating: its text when that maps to a label, else its number."""
    return label_from_text(text) or label_from_number(value, worst, best)


def to_float(value: object) -> float | None:
    """A ``ratingValue``/``bestRating`` as a finite number: JSON numbers or numeric strings
    (NaN and infinities are no number)."""
    if isinstance(value, bool):
        return None
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    return number if number is not None and math.isfinite(number) else None
