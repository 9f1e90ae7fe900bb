from __future__ import annotations

import json
from datetime import UTC, datetime

from shared.newsroom.checked_text import CheckedTextEdit
from shared.schemas import ClaimDetails, Entity
from shared.settings_configs import store_config
from shared.store.claims import ClaimStore
from shared.store.client import make_redis
from tests.conftest import SettingsFactory
from tests.shared import factories


def test_article_and_claims_round_trip(settings_factory: SettingsFactory) -> None:
    settings = settings_factory()
    client = make_redis(settings)
    store = ClaimStore(client, store_config(settings))
    article, claims = factories.article(2)
    store.save(claims, article)

    loaded = store.get_article(article.article_id)
    assert loaded is not None
    assert loaded.claim_ids == article.claim_ids and loaded.text == article.text
    got = store.get_claims(article.claim_ids)
    assert [c.claim_id for c in got] == article.claim_ids
    assert all(c.status == "queued" and c.start == 0 for c in got)
    assert client.ttl(store.keys.claim(claims[0].claim_id)) > 0
    client.close()


def test_mark_checking_states(settings_factory: SettingsFactory) -> None:
    settings = settings_factory()
    client = make_redis(settings)
    store = ClaimStore(client, store_config(settings))
    lone = factories.claim()
    store.save([lone])
    assert store.mark_checking("clm_missing") is None
    assert store.mark_checking(lone.claim_id) is True
    record = store.get_claim(lone.claim_id)
    assert record is not None and record.status == "checking"
    client.hset(store.keys.claim(lone.claim_id), "status", "done")
    assert store.mark_checking(lone.claim_id) is False
    client.close()


def test_delete_removes_everything(settings_factory: SettingsFactory) -> None:
    settings = settings_factory()
    client = make_redis(settings)
    store = ClaimStore(client, store_config(settings))
    article, claims = factories.article(2)
    store.save(claims, article)
    store.delete(article.claim_ids, article.article_id)
    assert store.get_article(article.article_id) is None
    assert store.get_claims(article.claim_ids) == []
    client.close()


def test_extraction_fields_round_trip(settings_factory: SettingsFactory) -> None:
    settings = settings_factory()
    client = make_redis(settings)
    store = ClaimStore(client, store_config(settings))
    article, (claim,) = factories.article(1)
    claim = claim.model_copy(
        update={
            "text": "Donald Trump stressed that the talks were useful.",
            "source_text": "He stressed that the talks were useful.",
            "speaker": "Donald Trump",
            "attributed": True,
            "stand_alone": False,
            "checkworthiness": 0.8123,
            "entities": [Entity(text="Donald Trump", label="PERSON", start=0, end=12)],
            "checked_text_edit": CheckedTextEdit(
                editor="Jane Editor",
                edited_at=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
                revision=2,
                extracted_text="Donald Trump stressed that they were useful.",
            ),
        }
    )
    store.save([claim], article)
    loaded = store.get_claim(claim.claim_id)
    assert loaded is not None
    assert loaded.model_dump(exclude={"created_at_ms"}) == claim.model_dump(
        exclude={"created_at_ms"}
    )
    # a record written before these fields existed reads with their defaults
    bare = factories.claim()
    store.save([bare])
    old = store.get_claim(bare.claim_id)
    assert old is not None
    assert (old.source_text, old.speaker, old.attributed, old.checkworthiness, old.entities) == (
        None, None, False, None, [],
    )  # fmt: skip
    assert old.stand_alone is True and old.checked_text_edit is None
    client.close()


def test_a_hash_in_the_stored_format_reads_back(settings_factory: SettingsFactory) -> None:
    settings = settings_factory()
    client = make_redis(settings)
    store = ClaimStore(client, store_config(settings))
    entities = [{"text": "Da Nang", "label": "GPE", "start": 25, "end": 32}]
    written = {  # the fields and encodings the intake has always written
        "claim_id": "clm_old",
        "text": "The APEC summit was held in Da Nang.",
        "article_id": "art_old",
        "status": "queued",
        "newsroom": "north",
        "source_text": "It was held in Da Nang.",
        "speaker": "Dmitry Peskov",
        "start": "10",
        "end": "33",
        "attributed": "1",
        "checkworthiness": "0.8123",
        "entities": json.dumps(entities),
        "created_at_ms": "1700000000000",
    }
    client.hset(store.keys.claim("clm_old"), mapping=written)
    record = store.get_claim("clm_old")
    assert record is not None
    assert record.claim_details() == ClaimDetails(
        source_text="It was held in Da Nang.",
        start=10,
        end=33,
        speaker="Dmitry Peskov",
        attributed=True,
        checkworthiness=0.8123,
        entities=[Entity.model_validate(e) for e in entities],
    )
    assert (record.newsroom, record.created_at_ms) == ("north", 1700000000000)
    store.save([record])
    assert client.hgetall(store.keys.claim("clm_old")) == written
    client.close()
