"""Editors' rulings as the newsroom's own fact-check archive, kept in Redis.

When an editor reviews a claim (:mod:`shared.reviews`), the ruling is also written to the
newsroom's rulings index, in the same Lua script that stores the review: a hash
``<prefix>:rulings:<newsroom>`` whose fields are :func:`claim_key` of the claim's text and
whose values are :class:`Ruling` JSON. A later ruling on a claim of the same text replaces
the earlier one (the latest word of an editor stands). The index has no TTL: a ruling
outlives the claim record it was made on, and it carries all a verdict needs (text, label,
reviewer, date, note).

The workers read it (``workers/rulings.py``): a later claim of the same newsroom whose
normalised text equals a ruling's, or whose embedding is close enough, is decided by it.
Only the newsroom's own hash is ever read, so one newsroom never sees another's rulings.

:func:`normalise_claim` is also what "the same claim" means for reusing verdicts
(:mod:`shared.reuse`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import redis
from pydantic import BaseModel

from shared.errors import StoreUnavailableError
from shared.keys import newsroom_namespace
from shared.schemas import Label

_NOT_WORD = re.compile(r"[\W_]+")
_T = TypeVar("_T")


def normalise_claim(text: str) -> str:
    """A claim's text for comparing claims: Unicode compatibility forms folded, lower
    case, every run of punctuation, symbols and white space made one space, trimmed.

    "The bridge cost $2.5 billion." and "the bridge  cost 2.5 billion" are the same
    (``the bridge cost 2 5 billion``); "2.5" and "25" stay apart.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _NOT_WORD.sub(" ", folded).strip()


def claim_key(text: str) -> str:
    """The digest of :func:`normalise_claim` of ``text``: the index field of a claim."""
    return hashlib.sha256(normalise_claim(text).encode("utf-8")).hexdigest()[:32]


def rulings_key(prefix: str, newsroom: str | None) -> str:
    """The Redis hash of a newsroom's rulings."""
    return f"{prefix}:rulings:{newsroom_namespace(newsroom)}"


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
        self._prefix = key_prefix

    def exact(self, newsroom: str | None, text: str) -> Ruling | None:
        """The newsroom's ruling on a claim whose normalised text equals ``text``'s."""
        key, field = self._key(newsroom), claim_key(text)
        raw: str | None = redis_call(lambda: self._redis.hget(key, field), "read a ruling")
        return Ruling.model_validate_json(raw) if raw else None

    def all(self, newsroom: str | None) -> dict[str, Ruling]:
        """Every ruling of the newsroom, by :func:`claim_key` of its text."""
        key = self._key(newsroom)
        rows: dict[str, str] = redis_call(lambda: self._redis.hgetall(key), "read rulings")
        return {field: Ruling.model_validate_json(raw) for field, raw in rows.items()}

    def _key(self, newsroom: str | None) -> str:
        return rulings_key(self._prefix, newsroom)


def redis_call(call: Callable[[], _T], what: str) -> _T:
    """Run a Redis call, turning its failures into :class:`StoreUnavailableError`."""
    try:
        return call()
    except redis.RedisError as exc:
        raise StoreUnavailableError(f"could not {what}: {exc}") from exc
