"""What "the same claim" means in a newsroom's memory.

Two claims are the same claim when their normalised texts are equal (:func:`normalise_claim`,
digested as :func:`claim_key`) and they state the same typed details
(:func:`details_signature`: every date, number, scale, unit, currency, bound, sign, name and
the polarity, :meth:`shared.slots.Slots.signature`). Together these are a claim's
:func:`claim_identity`.

The normalisation keeps every symbol that changes what a claim states, and text similarity
alone never makes two claims the same: "in 2017" is never "in 2018", "2.5 million" never
"2.5 billion".

Every part of the newsroom's memory asks this module: the rulings index, keyed by
:func:`claim_key` and indexed by :func:`details_signature` (:mod:`shared.newsroom.rulings`); the
reuse index (:mod:`shared.newsroom.reuse`); a ruling's twins (:mod:`shared.newsroom.reviews`);
and the worker's repeats (:mod:`workers.newsroom.repeats`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import NamedTuple

from shared.slots import extract

_TOKEN = re.compile(
    r"(?:(?<![^\W_])[-\u2212](?=\d))?[^\W_]+|[%$\u20ac\u00a3\u00a5\u20b9<>\u2264\u2265\u00b1^]"
)
_SUPERSCRIPT = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+")


def normalise_claim(text: str) -> str:
    """A claim's text for comparing claims: Unicode compatibility forms folded, lower
    case, words and the symbols that change what a claim states kept (% $ € £ ¥ < > ≤ ≥ ±,
    a minus sign before a number, an exponent: "10⁶" is ``10 ^ 6``), the rest of the
    punctuation dropped, one space between tokens.

    "The bridge cost $2.5 billion." and "the bridge  cost $2.5 billion" are the same
    (``the bridge cost $ 2 5 billion``); "2.5" and "25", "$15" and "€15", ">50%" and
    "<50%", "-4" and "4", "10⁶" and "106" stay apart.
    """
    raised = _SUPERSCRIPT.sub(lambda m: "^" + m.group(0), text)
    folded = unicodedata.normalize("NFKC", raised).casefold()
    return " ".join(t.replace("\u2212", "-") for t in _TOKEN.findall(folded))


def claim_key(text: str) -> str:
    """The digest of :func:`normalise_claim` of ``text``: the index field of a claim."""
    return hashlib.sha256(normalise_claim(text).encode("utf-8")).hexdigest()[:32]


def details_signature(text: str) -> str:
    """A digest of the claim's typed details (equal for claims that state the same)."""
    joined = "\n".join(extract(text).signature())
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:32]


def same_details(a: str, b: str) -> bool:
    """Whether two claims state the same details: every date, number, scale, unit,
    currency, bound, sign, name and the polarity (:meth:`shared.slots.Slots.signature`).
    Text similarity alone never makes two claims the same."""
    return details_signature(a) == details_signature(b)


class ClaimIdentity(NamedTuple):
    """What makes two claims the same claim (:func:`claim_identity`)."""

    key: str
    """The :func:`claim_key` of the normalised text."""
    details: str
    """The :func:`details_signature` of the typed details."""

    def matches(self, text: str) -> bool:
        """Whether ``text`` is this same claim: its key is compared first, and its details
        (the costlier part) only when the key is equal."""
        return claim_key(text) == self.key and details_signature(text) == self.details


def claim_identity(text: str) -> ClaimIdentity:
    """What makes two claims the same claim: the :func:`claim_key` of the normalised text
    and the :func:`details_signature` of the typed details. Claims of a newsroom with equal
    identities are twins: an editor's ruling on one is the ruling on each
    (:mod:`shared.newsroom.reviews`)."""
    return ClaimIdentity(claim_key(text), details_signature(text))
