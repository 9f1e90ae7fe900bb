"""Stream entries name their newsroom, so a stream consumer can filter by tenant."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

from shared.settings import Settings
from shared.settings_configs import publisher_config, store_config
from shared.store.claims import ClaimStore
from shared.store.client import make_redis
from shared.store.publisher import VerdictPublisher
from shared.store.streams import decode_entry
from tests.conftest import SettingsFactory
from tests.shared import factories


@dataclass(frozen=True)
class Stores:
    """The claim store and the verdict publisher on one Redis client, in a fresh namespace."""

    settings: Settings
    client: redis.Redis
    store: ClaimStore
    publisher: VerdictPublisher


@pytest.fixture
def stores(settings_factory: SettingsFactory) -> Iterator[Stores]:
    settings = settings_factory()
    client = make_redis(settings)
    try:
        yield Stores(
            settings,
            client,
            ClaimStore(client, store_config(settings)),
            VerdictPublisher(client, publisher_config(settings)),
        )
    finally:
        client.close()


def test_verdicts_and_article_completed_carry_the_newsroom(stores: Stores) -> None:
    article, claims = factories.article(2)
    article = article.model_copy(update={"newsroom": "daily-planet"})
    claims = [c.model_copy(update={"newsroom": "daily-planet"}) for c in claims]
    stores.store.save(claims, article)
    for claim in claims:
        stored = stores.store.get_claim(claim.claim_id)
        assert stored is not None and stored.newsroom == "daily-planet"
        stores.publisher.publish(stored.stamp(factories.verdict(stored)))
    rows = stores.client.xrange(stores.settings.verdict_stream)
    entries = [decode_entry(i, f) for i, f in rows]
    assert [e.type for e in entries] == ["verdict", "verdict", "article.completed"]
    assert all(e.data["newsroom"] == "daily-planet" for e in entries)
    assert entries[0].verdict().newsroom == "daily-planet"
    assert entries[-1].article_completed().newsroom == "daily-planet"


def test_entries_without_an_owner_have_no_newsroom(stores: Stores) -> None:
    article, claims = factories.article(1)
    stores.store.save(claims, article)
    stores.publisher.publish(claims[0].stamp(factories.verdict(claims[0])))
    rows = stores.client.xrange(stores.settings.verdict_stream)
    assert json.loads(rows[0][1]["data"])["newsroom"] is None
    assert "newsroom" not in json.loads(rows[1][1]["data"])
