from __future__ import annotations

import pytest

from shared.newsroom.identity import claim_key
from shared.newsroom.reviews import ReviewRecorder
from shared.newsroom.rulings import RulingIndex
from shared.schemas import Label, ReviewSubmission
from shared.settings import Settings
from shared.settings_configs import publisher_config, store_config
from shared.store.claims import ClaimRecord, ClaimStore
from shared.store.client import make_redis
from shared.store.publisher import VerdictPublisher
from tests.conftest import SettingsFactory
from tests.shared import factories


class Rulings:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        client = make_redis(settings)
        self.store = ClaimStore(client, store_config(settings))
        self.publisher = VerdictPublisher(client, publisher_config(settings))
        self.recorder = ReviewRecorder(client, publisher_config(settings))
        self.index = RulingIndex(client, settings.key_prefix)

    def checked(self, text: str, newsroom: str | None) -> ClaimRecord:
        claim = factories.claim(text=text).model_copy(update={"newsroom": newsroom})
        self.store.save([claim])
        self.publisher.publish(claim.stamp(factories.verdict(claim, "supported")))
        record = self.store.get_claim(claim.claim_id)
        assert record is not None
        return record

    def review(self, claim: ClaimRecord, label: Label, note: str | None = None) -> None:
        submission = ReviewSubmission(label=label, reviewer="Jane Editor", note=note)
        self.recorder.record(claim, submission)


@pytest.fixture
def rulings(settings_factory: SettingsFactory) -> Rulings:
    return Rulings(settings_factory())


TEXT = "The new bridge cost 2.5 billion euros."


def test_a_review_becomes_the_newsrooms_ruling(rulings: Rulings) -> None:
    claim = rulings.checked(TEXT, "daily-planet")
    assert rulings.index.exact("daily-planet", TEXT) is None

    rulings.review(claim, "refuted", note="It cost 1.9 billion.")

    ruling = rulings.index.exact("daily-planet", "the new bridge cost 2.5 billion euros")
    assert ruling is not None
    assert (ruling.claim_id, ruling.text, ruling.label) == (claim.claim_id, TEXT, "refuted")
    assert (ruling.reviewer, ruling.note) == ("Jane Editor", "It cost 1.9 billion.")
    stored = rulings.store.get_claim(claim.claim_id)
    assert stored is not None and stored.review is not None
    assert ruling.reviewed_at == stored.review.reviewed_at
    assert list(rulings.index.all("daily-planet")) == [claim_key(TEXT)]


def test_rulings_stay_in_their_newsroom_both_ways(rulings: Rulings) -> None:
    planet = rulings.checked(TEXT, "daily-planet")
    star = rulings.checked("Taxes rose by 3 percent last year.", "daily-star")
    rulings.review(planet, "refuted")
    rulings.review(star, "supported")

    assert rulings.index.exact("daily-star", TEXT) is None
    assert rulings.index.exact("daily-planet", star.text) is None
    assert [r.claim_id for r in rulings.index.all("daily-planet").values()] == [planet.claim_id]
    assert [r.claim_id for r in rulings.index.all("daily-star").values()] == [star.claim_id]
    assert rulings.index.all(None) == {}


def test_a_later_review_replaces_the_ruling_and_the_same_review_changes_nothing(
    rulings: Rulings,
) -> None:
    claim = rulings.checked(TEXT, None)
    rulings.review(claim, "refuted")
    rulings.review(claim, "conflicting", note="Depends on the year.")
    ruling = rulings.index.exact(None, TEXT)
    assert ruling is not None and (ruling.label, ruling.note) == (
        "conflicting",
        "Depends on the year.",
    )
    before = rulings.index.all(None)
    rulings.review(claim, "conflicting", note="Depends on the year.")  # recorded=False
    assert rulings.index.all(None) == before


def test_the_latest_ruling_on_a_text_stands(rulings: Rulings) -> None:
    first = rulings.checked(TEXT, "daily-planet")
    second = rulings.checked(TEXT.upper(), "daily-planet")
    rulings.review(first, "refuted")
    rulings.review(second, "supported")
    ruling = rulings.index.exact("daily-planet", TEXT)
    assert ruling is not None and (ruling.claim_id, ruling.label) == (second.claim_id, "supported")
