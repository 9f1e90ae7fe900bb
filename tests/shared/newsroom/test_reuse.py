from __future__ import annotations

import time

import pytest
import redis

from shared.errors import ConfigurationError
from shared.newsroom.identity import claim_key
from shared.newsroom.reuse import ReuseConfig, ReuseEntry, ReuseIndex
from shared.settings import Settings
from shared.store.client import make_redis
from shared.store.keys import Keys
from tests.conftest import SettingsFactory

TEXT = "The new bridge cost 2.5 billion euros."


def _key(prefix: str) -> str:
    """The reuse entry of TEXT for the daily-planet."""
    return Keys(prefix).reuse("daily-planet", claim_key(TEXT))


def _index(client: redis.Redis, settings: Settings) -> ReuseIndex:
    return ReuseIndex(
        client, ReuseConfig(key_prefix=settings.key_prefix, ttl_s=settings.reuse_ttl_s)
    )


def _entry(claim_id: str = "clm_1") -> ReuseEntry:
    return ReuseEntry(claim_id=claim_id, sources='{"kb":1}')


def test_an_entry_is_found_by_normalised_text_in_its_newsroom_only(
    settings_factory: SettingsFactory,
) -> None:
    settings = settings_factory()
    index = _index(make_redis(settings), settings)
    index.remember("daily-planet", TEXT, _entry("clm_planet"))
    index.remember("daily-star", "Taxes rose.", _entry("clm_star"))

    assert index.lookup("daily-planet", "  THE new bridge cost 2.5 billion euros ") == _entry(
        "clm_planet"
    )
    assert index.lookup("daily-star", TEXT) is None
    assert index.lookup("daily-planet", "Taxes rose.") is None
    assert index.lookup(None, TEXT) is None
    assert index.lookup("daily-star", "taxes rose") == _entry("clm_star")


def test_entries_expire_after_the_reuse_ttl(settings_factory: SettingsFactory) -> None:
    settings = settings_factory(reuse_ttl_s=1)
    client = make_redis(settings)
    index = _index(client, settings)
    index.remember("daily-planet", TEXT, _entry())
    assert 0 < client.pttl(_key(settings.key_prefix)) <= 1000
    assert index.lookup("daily-planet", TEXT) is not None
    time.sleep(1.2)
    assert index.lookup("daily-planet", TEXT) is None


def test_a_newer_check_replaces_the_entry_and_renews_its_time(
    settings_factory: SettingsFactory,
) -> None:
    settings = settings_factory()
    client = make_redis(settings)
    index = _index(client, settings)
    index.remember("daily-planet", TEXT, _entry("clm_old"))
    key = _key(settings.key_prefix)
    client.expire(key, 5)
    index.remember("daily-planet", TEXT, _entry("clm_new"))
    assert index.lookup("daily-planet", TEXT) == _entry("clm_new")
    assert client.ttl(key) > 7 * 24 * 3600 - 60  # the default: a week


def test_a_ttl_of_zero_turns_reuse_off(settings_factory: SettingsFactory) -> None:
    settings = settings_factory(reuse_ttl_s=0)
    client = make_redis(settings)
    index = _index(client, settings)
    assert not index.enabled
    index.remember("daily-planet", TEXT, _entry())
    assert client.exists(_key(settings.key_prefix)) == 0
    assert index.lookup("daily-planet", TEXT) is None


def test_a_negative_ttl_is_refused(settings_factory: SettingsFactory) -> None:
    with pytest.raises(ConfigurationError, match="CLAIMCHECK_REUSE_TTL_S"):
        settings_factory(reuse_ttl_s=-1)
