"""Which newsrooms this deployment knows.

A newsroom exists through its keys: a bootstrap key in ``CLAIMCHECK_API_KEYS`` or a key
made with ``claimcheck keys add`` (stored in Redis, :mod:`shared.store.api_keys`). A newsroom
whose keys were all revoked still has its editors' rulings (:mod:`shared.newsroom.rulings`), so a
rulings index also makes it known. Commands that take a newsroom by name (``claimcheck
factchecks export --newsroom``) refuse one that is none of these, rather than answer for a
misspelt name as if it had nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

import redis

from shared.store.api_keys import ApiKeyStore
from shared.store.client import redis_call
from shared.store.keys import NO_NEWSROOM, Keys


def _glob_escape(text: str) -> str:
    """``text`` as a literal in a Redis ``SCAN MATCH`` pattern."""
    return "".join(f"\\{ch}" if ch in "*?[]\\" else ch for ch in text)


def known_newsrooms(client: redis.Redis, key_prefix: str, bootstrap: Iterable[str]) -> set[str]:
    """Every newsroom with a bootstrap key (``bootstrap``: their names, the keys of
    ``CLAIMCHECK_API_KEYS``), a stored key or rulings, by name."""
    names = set(bootstrap)
    stored = redis_call(lambda: ApiKeyStore(client, key_prefix).list(), "list keys")
    names.update(info.newsroom for info in stored)
    head = Keys(key_prefix).rulings(NO_NEWSROOM).removesuffix(NO_NEWSROOM)
    pattern = _glob_escape(head) + "*"
    keys: list[str] = redis_call(
        lambda: list(client.scan_iter(match=pattern, count=500)), "list rulings"
    )
    names.update(key.removeprefix(head) for key in keys)
    names.discard(NO_NEWSROOM)
    return names
