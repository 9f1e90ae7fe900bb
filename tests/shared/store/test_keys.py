"""The Redis key layout: these names are in every deployment's Redis, so they never move."""

from __future__ import annotations

from shared.store.keys import NO_NEWSROOM, Keys, newsroom_namespace

KEYS = Keys("cc")


def test_claims_without_a_newsroom_have_their_own_namespace() -> None:
    assert newsroom_namespace(None) == NO_NEWSROOM
    assert KEYS.rulings(None) == f"cc:rulings:{NO_NEWSROOM}"
    assert KEYS.rulings("daily-planet") == "cc:rulings:daily-planet"
    assert KEYS.review_queue(None) == "cc:review_queue:-"


def test_the_layout_under_the_prefix() -> None:
    assert [
        KEYS.claim("clm_1"),
        KEYS.article("art_1"),
        KEYS.article_done("art_1"),
        KEYS.article_counts("art_1"),
        KEYS.review_queue("dp"),
        KEYS.cites("kb:7"),
        KEYS.recheck("clm_1", "kb:7", "c3"),
        KEYS.recheck_pending(),
        KEYS.recheck_changes(),
        KEYS.recheck_order(),
        KEYS.requeue_lock(),
        KEYS.rulings_by_details("dp"),
        KEYS.reuse("dp", "abc"),
        KEYS.api_keys(),
        KEYS.api_key("f00d"),
        KEYS.idempotency("dp:/v1/articles", "k1"),
        KEYS.rate_limit("auth_failures", "10.0.0.1", 29000000),
        KEYS.source_cache("wikipedia", "beef"),
    ] == [
        "cc:claim:clm_1",
        "cc:article:art_1",
        "cc:article:art_1:done",
        "cc:article:art_1:counts",
        "cc:review_queue:dp",
        "cc:cites:kb:7",
        "cc:recheck:clm_1:kb:7:c3",
        "cc:recheck_pending",
        "cc:recheck_changes",
        "cc:recheck_order",
        "cc:requeue:lock",
        "cc:rulings_by_details:dp",
        "cc:reuse:dp:abc",
        "cc:apikeys",
        "cc:apikey:f00d",
        "cc:idem:dp:/v1/articles:k1",
        "cc:rl:auth_failures:10.0.0.1:29000000",
        "cc:source-cache:wikipedia:beef",
    ]


def test_webhook_keys() -> None:
    assert [
        KEYS.webhooks(),
        KEYS.webhook_retries(),
        KEYS.webhook_attempts(),
        KEYS.webhook_sent("1-0"),
        KEYS.webhook_dead_letters(),
    ] == ["cc:webhooks", "cc:webhooks:retry", "cc:webhooks:attempt", "cc:webhooks:sent:1-0",
          "cc:webhooks:dead"]  # fmt: skip


def test_a_stack_in_a_namespace_of_its_own() -> None:
    assert KEYS.stack_env() == {
        "CLAIMCHECK_KEY_PREFIX": "cc",
        "CLAIMCHECK_VERDICT_STREAM": "cc:verdicts",
        "CLAIMCHECK_QUEUE_NAME": "cc.verify",
    }
    assert (KEYS.under_prefix(), KEYS.named_after_prefix()) == ("cc:*", "cc*")
    assert KEYS.kombu_bindings() == "_kombu.binding*cc*"
