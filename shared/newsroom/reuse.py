"""The reuse index: which claim of a newsroom was last checked with a given text.

``<prefix>:reuse:<newsroom>:<claim_key>`` (:meth:`shared.store.keys.Keys.reuse`;
:func:`shared.newsroom.identity.claim_key` of the normalised text) holds a :class:`ReuseEntry`: the
id of the claim whose verdict a later claim of the same text may reuse, and the
fingerprint of the evidence sources it was checked against. The key expires after
``CLAIMCHECK_REUSE_TTL_S``, so a verdict is reused only within that time of its check; a
newer check of the same text replaces the entry (and its time). The worker writes an
entry after it published a verdict it checked itself, and reads it before checking a new
claim; the newsroom is part of the key, so reuse never crosses newsrooms.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis
from pydantic import BaseModel

from shared.newsroom.identity import claim_key
from shared.store.client import redis_call
from shared.store.keys import Keys


class ReuseEntry(BaseModel):
    """A checked claim another claim of the same text may take its verdict from."""

    claim_id: str
    sources: str
    """What the verdict was checked against (the worker's fingerprint of its sources):
    reused only while it is unchanged."""


@dataclass(frozen=True)
class ReuseConfig:
    key_prefix: str
    ttl_s: int
    """0: reuse is off (nothing written, nothing found)."""


class ReuseIndex:
    """Writes and reads reuse entries (see the module's docstring)."""

    def __init__(self, client: redis.Redis, config: ReuseConfig) -> None:
        self._redis = client
        self._keys = Keys(config.key_prefix)
        self._ttl = config.ttl_s

    @property
    def enabled(self) -> bool:
        return self._ttl > 0

    def remember(self, newsroom: str | None, text: str, entry: ReuseEntry) -> None:
        """Record ``entry`` as the newsroom's check of ``text`` for the next TTL."""
        if not self.enabled:
            return
        key, value = self._keys.reuse(newsroom, claim_key(text)), entry.model_dump_json()
        redis_call(lambda: self._redis.set(key, value, ex=self._ttl), "index a verdict")

    def lookup(self, newsroom: str | None, text: str) -> ReuseEntry | None:
        """The newsroom's check of a claim of the same normalised text, if still fresh."""
        if not self.enabled:
            return None
        key = self._keys.reuse(newsroom, claim_key(text))
        raw: str | None = redis_call(lambda: self._redis.get(key), "read the reuse index")
        return ReuseEntry.model_validate_json(raw) if raw else None
