from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from shared.errors import ClaimNotFoundError
from shared.settings_configs import publisher_config, store_config
from shared.store.claims import ClaimStore
from shared.store.client import make_redis
from shared.store.publisher import VerdictPublisher
from tests.conftest import SettingsFactory
from tests.shared import factories


def _entries(client: redis.Redis, stream: str) -> list[tuple[str, dict[str, str]]]:
    return list(client.xrange(stream))


def test_verdicts_then_one_article_completed(settings_factory: SettingsFactory) -> None:
    settings = settings_factory()
    client = make_redis(settings)
    store, publisher = (
        ClaimStore(client, store_config(settings)),
        VerdictPublisher(client, publisher_config(settings)),
    )
    article, claims = factories.article(3)
    store.save(claims, article)

    labels = ["supported", "refuted", "supported"]
    results = [
        publisher.publish(factories.verdict(c, label))  # type: ignore[arg-type]
        for c, label in zip(claims, labels, strict=True)
    ]

    assert [r.published for r in results] == [True, True, True]
    assert [r.completed_stream_id is not None for r in results] == [False, False, True]
    entries = _entries(client, settings.verdict_stream)
    assert [fields["type"] for _, fields in entries] == ["verdict"] * 3 + ["article.completed"]
    completed = json.loads(entries[-1][1]["data"])
    assert completed["article_id"] == article.article_id
    assert completed["claim_count"] == 3
    assert completed["counts"] == {
        "supported": 2,
        "refuted": 1,
        "not_enough_info": 0,
        "conflicting": 0,
    }
    stored = store.get_claim(claims[1].claim_id)
    assert stored is not None and stored.status == "done"
    assert stored.verdict is not None and stored.verdict.label == "refuted"
    client.close()


def test_second_publish_of_a_claim_writes_nothing(settings_factory: SettingsFactory) -> None:
    settings = settings_factory()
    client = make_redis(settings)
    store, publisher = (
        ClaimStore(client, store_config(settings)),
        VerdictPublisher(client, publisher_config(settings)),
    )
    article, claims = factories.article(1)
    store.save(claims, article)

    first = publisher.publish(factories.verdict(claims[0], "supported"))
    second = publisher.publish(factories.verdict(claims[0], "refuted"))

    assert first.published and not second.published
    assert second.stream_id == first.stream_id
    entries = _entries(client, settings.verdict_stream)
    assert [fields["type"] for _, fields in entries] == ["verdict", "article.completed"]
    stored = store.get_claim(claims[0].claim_id)
    assert stored is not None and stored.verdict is not None
    assert stored.verdict.label == "supported"
    client.close()


def test_racing_publishers_publish_once(settings_factory: SettingsFactory) -> None:
    settings = settings_factory()
    client = make_redis(settings)
    store, publisher = (
        ClaimStore(client, store_config(settings)),
        VerdictPublisher(client, publisher_config(settings)),
    )
    article, claims = factories.article(5)
    store.save(claims, article)
    attempts = [c for c in claims for _ in range(4)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda c: publisher.publish(factories.verdict(c)), attempts))

    assert sum(r.published for r in results) == 5
    types = [fields["type"] for _, fields in _entries(client, settings.verdict_stream)]
    assert types.count("verdict") == 5
    assert types.count("article.completed") == 1
    client.close()


def test_unknown_claim_is_refused(settings_factory: SettingsFactory) -> None:
    settings = settings_factory()
    client = make_redis(settings)
    publisher = VerdictPublisher(client, publisher_config(settings))
    with pytest.raises(ClaimNotFoundError):
        publisher.publish(factories.verdict(factories.claim()))
    assert client.exists(settings.verdict_stream) == 0
    client.close()


def test_lone_claim_has_no_article_completion(settings_factory: SettingsFactory) -> None:
    settings = settings_factory()
    client = make_redis(settings)
    store, publisher = (
        ClaimStore(client, store_config(settings)),
        VerdictPublisher(client, publisher_config(settings)),
    )
    lone = factories.claim()
    store.save([lone])
    result = publisher.publish(factories.verdict(lone, "not_enough_info", 0.3), failed=True)
    assert result.published and result.completed_stream_id is None
    stored = store.get_claim(lone.claim_id)
    assert stored is not None and stored.status == "failed"
    assert len(_entries(client, settings.verdict_stream)) == 1
    client.close()


def test_empty_article_completes_once(settings_factory: SettingsFactory) -> None:
    settings = settings_factory()
    client = make_redis(settings)
    store, publisher = (
        ClaimStore(client, store_config(settings)),
        VerdictPublisher(client, publisher_config(settings)),
    )
    article, _ = factories.article(0)
    store.save([], article)
    assert publisher.complete_if_done(article.article_id) is not None
    assert publisher.complete_if_done(article.article_id) is None
    entries = _entries(client, settings.verdict_stream)
    assert [fields["type"] for _, fields in entries] == ["article.completed"]
    client.close()


def test_stream_is_trimmed_to_about_maxlen(settings_factory: SettingsFactory) -> None:
    settings = settings_factory(stream_maxlen=100)
    client = make_redis(settings)
    store, publisher = (
        ClaimStore(client, store_config(settings)),
        VerdictPublisher(client, publisher_config(settings)),
    )
    claims = [factories.claim() for _ in range(400)]
    store.save(claims)
    for c in claims:
        publisher.publish(factories.verdict(c))
    assert client.xlen(settings.verdict_stream) < 400
    client.close()
