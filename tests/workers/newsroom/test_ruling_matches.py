"""Repeats decided by an editor's ruling, in the worker."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.newsroom.identity import claim_key
from shared.newsroom.reviews import ReviewRecorder
from shared.newsroom.rulings import RulingIndex, ruling_document
from shared.schemas import Label, ReviewSubmission
from shared.settings_configs import publisher_config, store_config
from shared.store.claims import ClaimRecord, ClaimStore
from shared.store.client import make_redis
from shared.store.publisher import VerdictPublisher
from tests.conftest import SettingsFactory
from tests.shared import factories
from tests.workers.conftest import ContextFactory
from workers.context import WorkerContext, build_repeats
from workers.newsroom.ruling_matches import RULING_MIN_COSINE, RulingMatcher
from workers.processing import check_claim
from workers.sources.factchecks.embedding import OnnxEmbedder

SUPPORTED = "UN Security Council resolution 2254 was adopted unanimously in December 2015."
PARAPHRASE = "In December 2015 the UN Security Council unanimously adopted resolution 2254."
NEGATED = "UN Security Council resolution 2254 was rejected in December 2015."


def _ctx(context_factory: ContextFactory) -> WorkerContext:
    ctx = context_factory()
    ctx.policy.repeats = build_repeats(ctx.settings, ctx.redis, ctx.verifier)
    return ctx


def _claim(ctx: WorkerContext, text: str = SUPPORTED, newsroom: str | None = "daily-planet") -> str:
    claim = factories.claim(text=text).model_copy(update={"newsroom": newsroom})
    ctx.store.save([claim])
    return claim.claim_id


def _check(ctx: WorkerContext, claim_id: str) -> dict[str, Any]:
    result = check_claim(ctx, claim_id, final_attempt=False)
    assert result is not None and result.published
    rows = ctx.redis.xrange(ctx.settings.verdict_stream)
    [verdict] = [
        json.loads(f["data"])
        for _, f in rows
        if f["type"] == "verdict" and json.loads(f["data"])["claim_id"] == claim_id
    ]
    data: dict[str, Any] = verdict
    return data


def _review(ctx: WorkerContext, claim_id: str, label: Label, note: str | None = None) -> None:
    record = ctx.store.get_claim(claim_id)
    assert record is not None
    submission = ReviewSubmission(
        label=label, reviewer="Jane Editor", note=note, url="https://daily-planet.example/r/1"
    )
    ReviewRecorder(ctx.redis, publisher_config(ctx.settings)).record(record, submission)


def test_a_ruled_claim_decides_its_repeat(context_factory: ContextFactory) -> None:
    ctx = _ctx(context_factory)
    ruled = _claim(ctx)
    assert _check(ctx, ruled)["label"] == "supported"
    _review(ctx, ruled, "refuted", note="The vote was 14 to 1.")
    scored = ctx.verifier.pairs_scored

    repeat = _check(ctx, _claim(ctx, SUPPORTED.upper()))

    assert ctx.verifier.pairs_scored == scored  # no check
    assert (repeat["label"], repeat["needs_review"], repeat["confidence"]) == (
        "refuted",
        False,
        1.0,
    )
    assert ruled in repeat["reason"] and "ruling" in repeat["reason"]
    assert repeat["reused_from"] == ruled
    [evidence] = repeat["evidence"]
    assert (evidence["source"], evidence["doc_id"], evidence["stance"]) == (
        "newsroom",
        ruling_document(SUPPORTED),
        "refutes",
    )
    assert evidence["doc_hash"]  # cited: a later ruling on the text re-checks the repeat
    assert (evidence["reviewer"], evidence["note"], evidence["rating"]) == (
        "Jane Editor",
        "The vote was 14 to 1.",
        "refuted",
    )
    assert evidence["url"] == "https://daily-planet.example/r/1"
    assert evidence["published"] and evidence["publisher"] == "daily-planet"
    assert "Jane Editor" in evidence["text"] and "14 to 1" in evidence["text"]


def test_the_ruling_wins_over_a_reusable_check(context_factory: ContextFactory) -> None:
    ctx = _ctx(context_factory)
    checked = _claim(ctx)
    _check(ctx, checked)
    other = _claim(ctx)  # a second claim of the text, ruled on
    assert _check(ctx, other)["reused_from"] == checked
    _review(ctx, other, "conflicting")
    repeat = _check(ctx, _claim(ctx))
    assert (repeat["label"], repeat["reused_from"]) == ("conflicting", other)


def test_rulings_do_not_cross_newsrooms_either_way(context_factory: ContextFactory) -> None:
    ctx = _ctx(context_factory)
    planet = _claim(ctx, newsroom="daily-planet")
    _check(ctx, planet)
    _review(ctx, planet, "refuted")
    star = _claim(ctx, newsroom="daily-star")
    star_verdict = _check(ctx, star)
    assert star_verdict["label"] == "supported" and star_verdict["reused_from"] is None
    assert all(e["source"] != "newsroom" for e in star_verdict["evidence"])

    _review(ctx, star, "not_enough_info")
    assert _check(ctx, _claim(ctx, newsroom="daily-planet"))["label"] == "refuted"
    assert _check(ctx, _claim(ctx, newsroom="daily-star"))["label"] == "not_enough_info"


def test_a_ruling_decides_even_with_reuse_off(context_factory: ContextFactory) -> None:
    ctx = context_factory(reuse_ttl_s=0)
    ctx.policy.repeats = build_repeats(ctx.settings, ctx.redis, ctx.verifier)
    ruled = _claim(ctx)
    _check(ctx, ruled)
    _review(ctx, ruled, "refuted")
    assert _check(ctx, _claim(ctx))["label"] == "refuted"


@pytest.fixture(scope="module")
def embedder() -> OnnxEmbedder:
    return OnnxEmbedder(threads=1)


def _ruled_matcher(
    settings_factory: SettingsFactory, embedder: OnnxEmbedder
) -> tuple[RulingMatcher, ClaimRecord]:
    settings = settings_factory()
    client = make_redis(settings)
    store = ClaimStore(client, store_config(settings))
    claim = factories.claim(text=SUPPORTED).model_copy(update={"newsroom": "daily-planet"})
    store.save([claim])
    VerdictPublisher(client, publisher_config(settings)).publish(factories.verdict(claim))
    record = store.get_claim(claim.claim_id)
    assert record is not None
    ReviewRecorder(client, publisher_config(settings)).record(
        record, ReviewSubmission(label="supported", reviewer="Jane Editor")
    )
    return RulingMatcher(RulingIndex(client, settings.key_prefix), embedder), record


def test_a_paraphrase_matches_a_ruling_by_embedding(
    settings_factory: SettingsFactory, embedder: OnnxEmbedder
) -> None:
    matcher, ruled = _ruled_matcher(settings_factory, embedder)
    match = matcher.find("daily-planet", PARAPHRASE)
    assert match is not None and not match.exact
    assert match.ruling.claim_id == ruled.claim_id
    assert RULING_MIN_COSINE <= match.score < 1.0
    exact = matcher.find("daily-planet", SUPPORTED.lower())
    assert exact is not None and exact.exact and exact.score == 1.0


def test_a_negated_claim_or_another_newsroom_does_not_match(
    settings_factory: SettingsFactory, embedder: OnnxEmbedder
) -> None:
    matcher, _ = _ruled_matcher(settings_factory, embedder)
    assert matcher.find("daily-planet", NEGATED) is None
    assert matcher.find("daily-planet", "The Eiffel Tower is in Paris.") is None
    assert matcher.find("daily-star", PARAPHRASE) is None
    assert matcher.find("daily-star", SUPPORTED) is None


LOOK_ALIKES = [
    (
        "The APEC summit of 2017 was held in Da Nang.",
        "The APEC summit of 2018 was held in Da Nang.",
    ),
    ("Da Nang has 2.5 million residents.", "Da Nang has 2.5 billion residents."),
    ("Turnout in Da Nang was >50%.", "Turnout in Da Nang was <50%."),
    ("A ticket to the APEC summit cost $15.", "A ticket to the APEC summit cost \u20ac15."),
    ("The low in Da Nang was -4 degrees.", "The low in Da Nang was 4 degrees."),
    ("Da Nang ran the test 10\u2076 times.", "Da Nang ran the test 106 times."),
]


def test_a_ruling_never_matches_a_claim_with_other_details(
    settings_factory: SettingsFactory, embedder: OnnxEmbedder
) -> None:
    settings = settings_factory()
    client = make_redis(settings)
    store = ClaimStore(client, store_config(settings))
    recorder = ReviewRecorder(client, publisher_config(settings))
    for ruled, _ in LOOK_ALIKES:
        claim = factories.claim(text=ruled).model_copy(update={"newsroom": "daily-planet"})
        store.save([claim])
        VerdictPublisher(client, publisher_config(settings)).publish(factories.verdict(claim))
        record = store.get_claim(claim.claim_id)
        assert record is not None
        recorder.record(record, ReviewSubmission(label="supported", reviewer="Jane Editor"))
    matcher = RulingMatcher(RulingIndex(client, settings.key_prefix), embedder)
    close = 0
    for ruled, other in LOOK_ALIKES:
        assert matcher.find("daily-planet", ruled) is not None
        assert matcher.find("daily-planet", other) is None, other
        close += float(embedder.embed([ruled])[0] @ embedder.embed([other])[0]) >= RULING_MIN_COSINE
    assert close >= 3  # by their embeddings alone, most would have matched


def test_finding_a_ruling_reads_only_the_rulings_with_the_claims_details(
    settings_factory: SettingsFactory, embedder: OnnxEmbedder
) -> None:
    matcher, _ = _ruled_matcher(settings_factory, embedder)
    index = matcher.index
    assert list(index.with_details("daily-planet", PARAPHRASE)) == [claim_key(SUPPORTED)]
    assert index.with_details("daily-planet", SUPPORTED.replace("2015", "2016")) == {}
    matcher.find("daily-planet", PARAPHRASE)
    assert set(matcher._vectors) == {claim_key(SUPPORTED)}  # one ruling embedded, not all
