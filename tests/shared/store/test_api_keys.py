"""Newsroom keys in the real Redis: hashed at rest, found, listed, revoked."""

from __future__ import annotations

import hashlib

import pytest
import redis

from shared.store.api_keys import KEY_PREFIX, ApiKeyStore, digest
from tests.conftest import SettingsFactory


@pytest.fixture
def store(settings_factory: SettingsFactory, redis_client: redis.Redis) -> ApiKeyStore:
    return ApiKeyStore(redis_client, settings_factory().key_prefix)


def _everything_stored(client: redis.Redis, prefix: str) -> str:
    dump = []
    for key in client.scan_iter(match=f"{prefix}:*", count=500):
        dump.append(key)
        dump.extend(f"{k}={v}" for k, v in client.hgetall(key).items())
    return "\n".join(dump)


def test_a_new_key_is_found_and_only_its_hash_is_stored(
    store: ApiKeyStore, redis_client: redis.Redis
) -> None:
    made = store.add("daily-planet")
    assert made.key.startswith(KEY_PREFIX) and len(made.key) >= 40
    assert store.find(made.key) == made.info
    assert made.info.newsroom == "daily-planet"
    stored = _everything_stored(redis_client, store._index.rsplit(":", 1)[0])
    assert made.key not in stored
    assert made.key[len(KEY_PREFIX) :] not in stored
    assert hashlib.sha256(made.key.encode()).hexdigest() == digest(made.key)
    assert digest(made.key) in stored


def test_unknown_wrong_and_revoked_keys_are_not_found(store: ApiKeyStore) -> None:
    made = store.add("daily-planet")
    assert store.find(made.key + "x") is None
    assert store.find("not-a-claimcheck-key") is None
    assert store.find(KEY_PREFIX) is None
    assert store.revoke(made.info.key_id) == made.info
    assert store.find(made.key) is None
    assert store.revoke(made.info.key_id) is None


def test_list_shows_newsroom_and_id_but_never_the_key(store: ApiKeyStore) -> None:
    one = store.add("daily-planet")
    two = store.add("daily-star")
    listed = store.list()
    assert {i.key_id for i in listed} == {one.info.key_id, two.info.key_id}
    assert all(one.key not in repr(i) and two.key not in repr(i) for i in listed)
    store.revoke(one.info.key_id)
    assert [i.newsroom for i in store.list()] == ["daily-star"]


@pytest.mark.parametrize("bad", ["", "Daily Planet", "a/b", "x" * 65, "-lead"])
def test_newsroom_names_are_checked(store: ApiKeyStore, bad: str) -> None:
    with pytest.raises(ValueError):
        store.add(bad)
