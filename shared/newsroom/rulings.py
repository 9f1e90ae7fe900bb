"""Editors' rulings as the newsroom's own fact-check archive, kept in Redis.

When an editor reviews a claim (:mod:`shared.newsroom.reviews`), the ruling is also written to the
newsroom's rulings index, in the same Lua script that stores the review: a hash
``<prefix>:rulings:<newsroom>`` (:meth:`shared.store.keys.Keys.rulings`) whose fields are
:func:`claim_key` of the claim's text and whose values are :class:`Ruling` JSON. A later
ruling on a claim of the same text replaces the earlier one (the latest word of an editor
stands). The index has no TTL: a ruling outlives the claim record it was made on, and it
carries all a verdict needs (text, label, reviewer, date, note).

The workers read it (``workers/newsroom/ruling_matches.py``): a later claim of the same newsroom
whose
normalised text equals a ruling's, or whose embedding is close enough, is decided by it.
Only the newsroom's own hash is ever read, so one newsroom never sees another's rulings.

:func:`normalise_claim` is also what "the same claim" means for reusing verdicts
(:mod:`shared.newsroom.reuse`); it keeps every symbol that changes what a claim states. A ruling
decides a claim worded differently only when both state the same typed details
(:func:`same_details`): "in 2017" is never "in 2018", "2.5 million" never "2.5 billion".
The rulings are also indexed by those details
(:meth:`shared.store.keys.Keys.rulings_by_details`), so finding the candidates for a claim costs
one read, not one per ruling.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import redis
from pydantic import BaseModel

from shared.errors import StoreUnavailableError
from shared.schemas import Label
from shared.slots import extract
from shared.store.keys import Keys

_TOKEN = re.compile(
    r"(?:(?<![^\W_])[-\u2212](?=\d))?[^\W_]+|[%$\u20ac\u00a3\u00a5\u20b9<>\u2264\u2265\u00b1^]"
)
_SUPERSCRIPT = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+")
_T = TypeVar("_T")


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


def same_details(a: str, b: str) -> bool:
    """Whether two claims state the same details: every date, number, scale, unit,
    currency, bound, sign, name and the polarity (:meth:`shared.slots.Slots.signature`).
    Text similarity alone never makes two claims the same."""
    return details_signature(a) == details_signature(b)


def details_signature(text: str) -> str:
    """A digest of the claim's typed details (equal for claims that state the same)."""
    joined = "\n".join(extract(text).signature())
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:32]


def claim_identity(text: str) -> tuple[str, str]:
    """What makes two claims the same claim: the :func:`claim_key` of the normalised text
    and the :func:`details_signature` of the typed details. Claims of a newsroom with equal
    identities are twins: an editor's ruling on one is the ruling on each
    (:mod:`shared.newsroom.reviews`)."""
    return claim_key(text), details_signature(text)


def ruling_document(text: str) -> str:
    """The document id under which verdicts decided by the ruling on ``text`` cite it: a
    later ruling on that text re-checks them (:func:`shared.newsroom.rechecks.recheck_citing`)."""
    return f"ruling:{claim_key(text)}"


def claim_key(text: str) -> str:
    """The digest of :func:`normalise_claim` of ``text``: the index field of a claim."""
    return hashlib.sha256(normalise_claim(text).encode("utf-8")).hexdigest()[:32]


class Ruling(BaseModel):
    """An editor's ruling on a claim, as the newsroom's archive keeps it."""

    claim_id: str
    """The reviewed claim."""
    text: str
    """Its stand-alone text."""
    label: Label
    reviewer: str
    reviewed_at: datetime
    note: str | None = None
    url: str | None = None
    """Where the newsroom published the ruling, if it said."""


class RulingIndex:
    """Reads a newsroom's rulings (the review script writes them)."""

    def __init__(self, client: redis.Redis, key_prefix: str) -> None:
        self._redis = client
        self._keys = Keys(key_prefix)

    def exact(self, newsroom: str | None, text: str) -> Ruling | None:
        """The newsroom's ruling on a claim whose normalised text equals ``text``'s."""
        key, field = self._key(newsroom), claim_key(text)
        raw: str | None = redis_call(lambda: self._redis.hget(key, field), "read a ruling")
        return Ruling.model_validate_json(raw) if raw else None

    def all(self, newsroom: str | None) -> dict[str, Ruling]:
        """Every ruling of the newsroom, by :func:`claim_key` of its text (the export)."""
        key = self._key(newsroom)
        rows: dict[str, str] = redis_call(lambda: self._redis.hgetall(key), "read rulings")
        return {field: Ruling.model_validate_json(raw) for field, raw in rows.items()}

    def with_details(self, newsroom: str | None, text: str) -> dict[str, Ruling]:
        """The newsroom's rulings on claims that state the same details as ``text``
        (:func:`same_details`), by :func:`claim_key` of their text."""
        index, signature = self._keys.rulings_by_details(newsroom), details_signature(text)
        raw_keys: str | None = redis_call(
            lambda: self._redis.hget(index, signature), "read the rulings index"
        )
        fields: list[str] = json.loads(raw_keys) if raw_keys else []
        if not fields:
            return {}
        key = self._key(newsroom)
        rows: list[str | None] = redis_call(lambda: self._redis.hmget(key, fields), "read rulings")
        return {
            f: Ruling.model_validate_json(raw) for f, raw in zip(fields, rows, strict=True) if raw
        }

    def _key(self, newsroom: str | None) -> str:
        return self._keys.rulings(newsroom)


def redis_call(call: Callable[[], _T], what: str) -> _T:
    """Run a Redis call, turning its failures into :class:`StoreUnavailableError`."""
    try:
        return call()
    except redis.RedisError as exc:
        raise StoreUnavailableError(f"could not {what}: {exc}") from exc
