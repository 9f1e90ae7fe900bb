"""Newsroom API keys kept in Redis, hashed.

A key is ``cck_`` followed by 43 URL-safe characters (256 random bits), so one SHA-256 of it
is as good as a slow password hash: nobody can guess keys from the digests. Only the
digest is stored; the key itself is shown once, when it is made.

Redis layout (under the key prefix, built by :class:`shared.store.keys.Keys`):

* ``{prefix}:apikey:{sha256}`` hash ``key_id``, ``newsroom``, ``created_at``
  (:meth:`~shared.store.keys.Keys.api_key`): the lookup a request does (one ``HGETALL``);
* ``{prefix}:apikeys`` hash ``key_id`` -> JSON ``{"digest", "newsroom", "created_at"}``
  (:meth:`~shared.store.keys.Keys.api_keys`): the index ``list`` and ``revoke`` use.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import redis

from shared.store.client import store_errors
from shared.store.keys import Keys

KEY_PREFIX = "cck_"
NEWSROOM_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
_NEWSROOM_RE = re.compile(NEWSROOM_PATTERN)


@dataclass(frozen=True)
class KeyInfo:
    """What is known about a stored key (never the key)."""

    key_id: str
    newsroom: str
    created_at: str


@dataclass(frozen=True)
class NewKey:
    """A key just made: ``key`` is shown to the admin once and stored nowhere."""

    info: KeyInfo
    key: str


def digest(key: str) -> str:
    """Hex SHA-256 of a presented key."""
    return hashlib.sha256(key.encode("utf-8", errors="surrogatepass")).hexdigest()


def valid_newsroom(name: str) -> bool:
    return bool(_NEWSROOM_RE.match(name))


class ApiKeyStore:
    """Adds, finds, lists and revokes newsroom keys in Redis."""

    def __init__(self, client: redis.Redis, key_prefix: str) -> None:
        self._redis = client
        self._keys = Keys(key_prefix)
        self._index = self._keys.api_keys()

    def add(self, newsroom: str) -> NewKey:
        if not valid_newsroom(newsroom):
            raise ValueError(
                f"newsroom {newsroom!r} must match {NEWSROOM_PATTERN} (lowercase, digits, _.-)"
            )
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        info = KeyInfo(
            key_id="key_" + secrets.token_hex(8),
            newsroom=newsroom,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        hashed = digest(key)
        record = {"digest": hashed, "newsroom": newsroom, "created_at": info.created_at}
        with store_errors("store the key"), self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                self._keys.api_key(hashed),
                mapping={
                    "key_id": info.key_id,
                    "newsroom": newsroom,
                    "created_at": info.created_at,
                },
            )
            pipe.hset(self._index, info.key_id, json.dumps(record))
            pipe.execute()
        return NewKey(info=info, key=key)

    def find(self, key: str) -> KeyInfo | None:
        """The stored key matching ``key``, or None."""
        if not key.startswith(KEY_PREFIX):
            return None
        hashed = digest(key)
        with store_errors("look the key up"):
            row = self._redis.hgetall(self._keys.api_key(hashed))
        if not row:
            return None
        return KeyInfo(key_id=row["key_id"], newsroom=row["newsroom"], created_at=row["created_at"])

    def list(self) -> list[KeyInfo]:
        """Every stored key, oldest first."""
        rows = self._redis.hgetall(self._index)
        infos = [
            KeyInfo(key_id=key_id, newsroom=data["newsroom"], created_at=data["created_at"])
            for key_id, data in ((k, json.loads(v)) for k, v in rows.items())
        ]
        return sorted(infos, key=lambda i: (i.created_at, i.key_id))

    def revoke(self, key_id: str) -> KeyInfo | None:
        """Delete a key; None when there is no such key id."""
        raw = self._redis.hget(self._index, key_id)
        if raw is None:
            return None
        data = json.loads(raw)
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._keys.api_key(data["digest"]))
            pipe.hdel(self._index, key_id)
            pipe.execute()
        return KeyInfo(key_id=key_id, newsroom=data["newsroom"], created_at=data["created_at"])


def same_secret(presented: str, expected: str) -> bool:
    """Constant-time comparison of two secrets."""
    return hmac.compare_digest(
        presented.encode("utf-8", errors="surrogatepass"),
        expected.encode("utf-8", errors="surrogatepass"),
    )
