"""How the verifier uses several sources: concurrently, in order, never losing the claim."""

from __future__ import annotations

import threading

import pytest

from shared.errors import TransientSourceError
from shared.settings import Settings
from tests.conftest import SettingsFactory
from tests.workers.conftest import FlakySource
from workers.components import verifier_config
from workers.sources.base import Passage
from workers.sources.knowledge_base.index import KnowledgeBase
from workers.sources.resilience import ResilientSource, SourcePolicy
from workers.verification.lexical import LexicalStanceScorer
from workers.verification.pipeline import Verifier

CLAIM = "UN Security Council resolution 2254 was adopted unanimously in December 2015."


@pytest.fixture
def settings(settings_factory: SettingsFactory) -> Settings:
    return settings_factory()


class Gate:
    """A source that waits until ``count`` searches are inside at the same time."""

    def __init__(self, name: str, barrier: threading.Barrier, passage: Passage) -> None:
        self.name = name
        self.barrier = barrier
        self.passage = passage

    def search(self, claim: str, limit: int, *, timeout_s: float | None = None) -> list[Passage]:
        self.barrier.wait(timeout=5)  # raises BrokenBarrierError if searched one by one
        return [self.passage]

    def close(self) -> None:
        """Holds nothing."""


def _passage(source: str, text: str) -> Passage:
    return Passage(source, f"{source}-1", source.title(), None, text, 1.0)


def test_sources_are_searched_concurrently_and_kept_in_order(settings: Settings) -> None:
    barrier = threading.Barrier(3)
    sources = [
        Gate("first", barrier, _passage("first", CLAIM)),
        Gate("second", barrier, _passage("second", "Tea is a drink.")),
        Gate("third", barrier, _passage("third", "Resolution 2254 was adopted in 2015.")),
    ]
    verifier = Verifier(sources, LexicalStanceScorer(), verifier_config(settings))
    verdict = verifier.verify("c", CLAIM, tolerate_source_errors=False)
    assert verdict.sources_failed == []
    assert verdict.evidence[0].source == "first"


def test_resilient_source_failures_are_recorded_on_the_first_attempt(
    starter_kb: KnowledgeBase, settings: Settings
) -> None:
    down = ResilientSource(
        FlakySource("wikipedia"), SourcePolicy(timeout_s=1, retries=1, backoff_base_s=0.01)
    )
    verifier = Verifier([starter_kb, down], LexicalStanceScorer(), verifier_config(settings))
    verdict = verifier.verify("c", CLAIM, tolerate_source_errors=False)  # no raise
    assert [f.source for f in verdict.sources_failed] == ["wikipedia"]
    assert verdict.label == "supported" and verdict.evidence  # the knowledge base decided
    assert verdict.needs_review and verdict.reason and "wikipedia" in verdict.reason


def test_plain_source_transient_failure_still_propagates(
    starter_kb: KnowledgeBase, settings: Settings
) -> None:
    verifier = Verifier(
        [starter_kb, FlakySource("plain")],
        LexicalStanceScorer(),
        verifier_config(settings),
    )
    with pytest.raises(TransientSourceError):
        verifier.verify("c", CLAIM, tolerate_source_errors=False)


def test_every_source_down_is_not_enough_info_for_review(settings: Settings) -> None:
    sources = [
        ResilientSource(FlakySource(name), SourcePolicy(timeout_s=1, retries=0))
        for name in ("wikipedia", "google_factcheck")
    ]
    verdict = Verifier(sources, LexicalStanceScorer(), verifier_config(settings)).verify(
        "c", CLAIM, tolerate_source_errors=False
    )
    assert verdict.label == "not_enough_info" and verdict.confidence == 0.0
    assert verdict.needs_review
    assert [f.source for f in verdict.sources_failed] == ["wikipedia", "google_factcheck"]


def _factcheck(label: str | None, score: float, rating: str = "False") -> Passage:
    return Passage(
        "google_factcheck",
        f"gfc:{label}-{score}",
        "A fact-check",
        "https://check.example/1",
        # the text restates the claim: stance-scoring it would "support" the claim
        f'Check Desk rated the claim "{CLAIM}" as "{rating}".',
        score,
        publisher="Check Desk",
        published="2016-01-05",
        rating=rating,
        label=label,
    )


def test_rated_passages_are_shown_never_scored(settings: Settings) -> None:
    source = FlakySource("google_factcheck", failures=0, passages=[_factcheck("refuted", 1.0)])
    verdict = Verifier([source], LexicalStanceScorer(), verifier_config(settings)).verify(
        "c", CLAIM, tolerate_source_errors=False
    )
    assert verdict.label == "not_enough_info"  # not "supported" by its own restatement
    (item,) = verdict.evidence
    assert item.stance == "refutes" and item.rating == "False" and item.score == 1.0
    assert item.publisher == "Check Desk" and item.published == "2016-01-05"


def test_a_close_fact_check_against_the_label_flags_review(
    starter_kb: KnowledgeBase, settings: Settings
) -> None:
    def verify(passage: Passage) -> tuple[str, bool]:
        source = FlakySource("google_factcheck", failures=0, passages=[passage])
        verdict = Verifier(
            [starter_kb, source], LexicalStanceScorer(), verifier_config(settings)
        ).verify("c", CLAIM, tolerate_source_errors=False)
        return verdict.label, verdict.needs_review

    assert verify(_factcheck("supported", 0.9, "True")) == ("supported", False)
    assert verify(_factcheck("refuted", 0.3)) == ("supported", False)  # another claim
    assert verify(_factcheck("refuted", 0.9)) == ("supported", True)
