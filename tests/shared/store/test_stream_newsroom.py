"""Stream entries name their newsroom, so a stream consumer can filter by tenant."""

from __future__ import annotations

import json

from shared.settings_configs import publisher_config, store_config
from shared.store.claims import ClaimStore
from shared.store.client import make_redis
from shared.store.publisher import VerdictPublisher
from shared.store.streams import decode_entry
from tests.conftest import SettingsFactory
from tests.shared import factories


def test_verdicts_and_article_completed_carry_the_newsroom(
    settings_factory: SettingsFactory,
) -> None:
    settings = settings_factory()
    client = make_redis(settings)
    try:
        store, publisher = (
            ClaimStore(client, store_config(settings)),
            VerdictPublisher(client, publisher_config(settings)),
        )
        article, claims = factories.article(2)
        article = article.model_copy(update={"newsroom": "daily-planet"})
        claims = [c.model_copy(update={"newsroom": "daily-planet"}) for c in claims]
        store.save(claims, article)
        for claim in claims:
            stored = store.get_claim(claim.claim_id)
            assert stored is not None and stored.newsroom == "daily-planet"
            publisher.publish(stored.stamp(factories.verdict(stored)))
        entries = [decode_entry(i, f) for i, f in client.xrange(settings.verdict_stream)]
        assert [e.type for e in entries] == ["verdict", "verdict", "article.completed"]
        assert all(e.data["newsroom"] == "daily-planet" for e in entries)
        assert entries[0].verdict().newsroom == "daily-planet"
        assert entries[-1].article_completed().newsroom == "daily-planet"
    finally:
        client.close()


def test_entries_without_an_owner_have_no_newsroom(settings_factory: SettingsFactory) -> None:
    settings = settings_factory()
    client = make_redis(settings)
    try:
        store, publisher = (
            ClaimStore(client, store_config(settings)),
            VerdictPublisher(client, publisher_config(settings)),
        )
        article, claims = factories.article(1)
        store.save(claims, article)
        publisher.publish(claims[0].stamp(factories.verdict(claims[0])))
        rows = client.xrange(settings.verdict_stream)
        assert json.loads(rows[0][1]["data"])["newsroom"] is None
        assert "newsroom" not in json.loads(rows[1][1]["data"])
    finally:
        client.close()
