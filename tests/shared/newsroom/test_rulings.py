from __future__ import annotations

import pytest

from shared.newsroom.reviews import ReviewRecorder
from shared.newsroom.rulings import RulingIndex, claim_key, normalise_claim
from shared.schemas import Label, ReviewSubmission
from shared.settings import Settings
from shared.store.claims import ClaimRecord, ClaimStore
from shared.store.client import make_redis
from shared.store.publisher import VerdictPublisher
from tests.conftest import SettingsFactory
from tests.shared import factories


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("The bridge cost $2.5 billion.", "the bridge cost $ 2 5 billion"),
        ("  the BRIDGE\tcost -- 2.5 billion!! ", "the bridge cost 2 5 billion"),
        ("Turnout was >50%.", "turnout was > 50 %"),
        ("The low was -4 or \u22124 degrees.", "the low was -4 or -4 degrees"),
        ("It ran 10\u2076 times.", "it ran 10 ^ 6 times"),
        ("“Quoted” claim…", "quoted claim"),
        ("\ufb01nal \uff21\uff22\uff23", "final abc"),  # compatibility forms folded
        ("snake_case words", "snake case words"),
        ("Straße", "strasse"),
    ],
)
def test_normalise_claim(text: str, normalised: str) -> None:
    assert normalise_claim(text) == normalised
    assert normalise_claim(normalised) == normalised  # idempotent


def test_claim_keys_tell_different_numbers_apart() -> None:
    assert claim_key("It cost 2.5 billion.") == claim_key("it cost 2,5 billion")
    assert claim_key("It cost 2.5 billion.") != claim_key("It cost 25 billion.")
    assert claim_key("Taxes rose.") != claim_key("Taxes fell.")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Turnout was >50%.", "Turnout was <50%."),
        ("A ticket costs $15.", "A ticket costs \u20ac15."),
        ("The low was -4 degrees.", "The low was 4 degrees."),
        ("It ran 10\u2076 times.", "It ran 106 times."),
        ("Prices rose 5%.", "Prices rose 5."),
        ("It weighs \u00b12 kg.", "It weighs 2 kg."),
        ("It fell \u22644 points.", "It fell \u22654 points."),
    ],
)
def test_normalisation_keeps_every_symbol_that_changes_a_claim(a: str, b: str) -> None:
    assert claim_key(a) != claim_key(b)


class Rulings:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        client = make_redis(settings)
        self.store = ClaimStore.from_settings(client, settings)
        self.publisher = VerdictPublisher.from_settings(client, settings)
        self.recorder = ReviewRecorder.from_settings(client, settings)
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
