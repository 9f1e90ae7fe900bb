from __future__ import annotations

from collections.abc import Sequence

import pytest

from shared.errors import PermanentSourceError, TransientSourceError
from shared.schemas import Entity
from shared.settings import Settings, load_settings
from shared.store.claims import ClaimRecord
from tests.conftest import SettingsFactory
from tests.workers.conftest import FlakySource
from workers.components import verifier_config
from workers.sources.base import Passage
from workers.sources.knowledge_base.index import KnowledgeBase
from workers.verification.lexical import LexicalStanceScorer
from workers.verification.pipeline import Verifier
from workers.verification.stance import StanceScore

EVIDENCE = [
    "Resolution 2254 of the UN Security Council was adopted unanimously on 18 December 2015."
]


@pytest.fixture
def settings() -> Settings:
    return load_settings(auth_enabled=False, evidence_top_k=3, kb_top_passages=4)


@pytest.fixture
def verifier(starter_kb: KnowledgeBase, settings: Settings) -> Verifier:
    return Verifier([starter_kb], LexicalStanceScorer(), verifier_config(settings))


@pytest.mark.parametrize(
    ("claim", "label"),
    [
        (
            "UN Security Council resolution 2254 was adopted unanimously in December 2015.",
            "supported",
        ),
        ("UN Security Council resolution 2254 was adopted in 2016.", "refuted"),
        ("The presidents agreed that the conflict in Syria has no military solution.", "supported"),
        ("The conflict in Syria has a military solution.", "refuted"),
        ("Dmitry Peskov is the press secretary of the Kremlin.", "supported"),
        ("Bananas are the most popular fruit in Canada.", "not_enough_info"),
    ],
)
def test_seed_article_claims_against_the_starter_corpus(
    verifier: Verifier, claim: str, label: str
) -> None:
    verdict = verifier.verify("c1", claim, article_id="a1", tolerate_source_errors=False)
    assert verdict.label == label
    assert verdict.claim_id == "c1" and verdict.article_id == "a1" and verdict.claim == claim
    assert verdict.verifier_version == "lexical-4"
    assert verdict.sources_failed == [] and "failed" not in (verdict.reason or "")
    if label != "not_enough_info":
        top = verdict.evidence[0]
        assert top.source == "knowledge_base" and top.url and top.url.startswith("https://")
        assert top.stance == {"supported": "supports", "refuted": "refutes"}[label]
    assert len(verdict.evidence) <= 3


def test_unrelated_claim_has_no_evidence(verifier: Verifier) -> None:
    verdict = verifier.verify("c", "Quantum kittens sing opera.", tolerate_source_errors=False)
    assert verdict.label == "not_enough_info" and verdict.evidence == []


def test_given_evidence_is_the_only_evidence(settings: Settings) -> None:
    source = FlakySource()  # would fail if it were searched
    verifier = Verifier([source], LexicalStanceScorer(), verifier_config(settings))
    verdict = verifier.verify(
        "c", "Resolution 2254 was adopted in 2015.", evidence=EVIDENCE, tolerate_source_errors=False
    )
    assert source.calls == 0
    assert verdict.label == "supported"
    assert [e.source for e in verdict.evidence] == ["given"]
    assert verdict.evidence[0].doc_id == "given-0"
    refuted = verifier.verify(
        "c", "Resolution 2254 was adopted in 2016.", evidence=EVIDENCE, tolerate_source_errors=False
    )
    assert refuted.label == "refuted"
    empty = verifier.verify("c", "Anything at all.", evidence=[], tolerate_source_errors=False)
    assert empty.label == "not_enough_info" and source.calls == 0


def test_both_sides_in_given_evidence_is_conflicting(settings: Settings) -> None:
    verifier = Verifier([], LexicalStanceScorer(), verifier_config(settings))
    verdict = verifier.verify(
        "c",
        "The bridge was opened in 1990.",
        evidence=["The bridge was opened in 1990.", "The bridge was opened in 1994."],
        tolerate_source_errors=False,
    )
    assert verdict.label == "conflicting"
    assert {e.stance for e in verdict.evidence} == {"supports", "refutes"}


def test_transient_source_error_propagates_unless_tolerated(
    starter_kb: KnowledgeBase, settings: Settings
) -> None:
    flaky = FlakySource("newsapi")
    verifier = Verifier([starter_kb, flaky], LexicalStanceScorer(), verifier_config(settings))
    claim = "UN Security Council resolution 2254 was adopted unanimously in December 2015."
    with pytest.raises(TransientSourceError):
        verifier.verify("c", claim, tolerate_source_errors=False)
    verdict = verifier.verify("c", claim, tolerate_source_errors=True)
    assert [f.source for f in verdict.sources_failed] == ["newsapi"]
    assert "timed out" in verdict.sources_failed[0].reason
    assert verdict.label == "supported"  # the knowledge base still answered
    assert verdict.needs_review and verdict.reason and "newsapi" in verdict.reason


def test_permanent_source_error_is_always_recorded(settings: Settings) -> None:
    broken = FlakySource("archive", error=PermanentSourceError)
    verifier = Verifier([broken], LexicalStanceScorer(), verifier_config(settings))
    verdict = verifier.verify("c", "Some claim about tea.", tolerate_source_errors=False)
    assert verdict.label == "not_enough_info"
    assert [f.source for f in verdict.sources_failed] == ["archive"]
    assert verdict.confidence == 0.0 and verdict.needs_review


def test_duplicate_sentences_are_scored_once(settings: Settings) -> None:
    passage = Passage("s", "d", "Tea", None, "Tea is a drink. Tea is a drink. Tea is hot.", 1.0)
    source = FlakySource("s", failures=0, passages=[passage, passage])
    verifier = Verifier([source], LexicalStanceScorer(), verifier_config(settings))
    verdict = verifier.verify("c", "Tea is a drink.", tolerate_source_errors=False)
    assert [e.text for e in verdict.evidence].count("Tea is a drink.") == 1


def test_calibration_maps_confidence_and_needs_review(
    starter_kb: KnowledgeBase, settings_factory: SettingsFactory
) -> None:
    from workers.verification.calibration import IsotonicMap, VerdictCalibration

    settings = settings_factory(needs_review_threshold=0.5)
    halve = IsotonicMap((0.0, 1.0), (0.0, 0.5))
    raw = Verifier([starter_kb], LexicalStanceScorer(), verifier_config(settings))
    calibrated = Verifier(
        [starter_kb],
        LexicalStanceScorer(),
        verifier_config(settings),
        calibration=VerdictCalibration({}, halve),
    )
    claim = "UN Security Council resolution 2254 was adopted in December 2015."
    before = raw.verify("c", claim, tolerate_source_errors=False)
    after = calibrated.verify("c", claim, tolerate_source_errors=False)
    assert after.label == before.label
    assert after.confidence == pytest.approx(before.confidence / 2, abs=1e-3)
    assert after.needs_review


def test_questions_are_never_evidence(settings: Settings) -> None:
    from workers.verification.candidates import given_passages, sentences_of

    passages = given_passages(
        ["Q: Did Pogba quit the French team? A: No, Pogba said the report was fake."]
    )
    assert [c.text for c in sentences_of(passages)] == ["A: No, Pogba said the report was fake."]
    verdict = Verifier([], LexicalStanceScorer(), verifier_config(settings)).verify(
        "c1",
        "Pogba quit the French team.",
        evidence=["Did Pogba quit the French team?"],
        tolerate_source_errors=False,
    )
    assert verdict.label == "not_enough_info" and not verdict.evidence


def test_a_stored_claim_is_checked_as_its_details_say_and_its_verdict_carries_them(
    verifier: Verifier,
) -> None:
    record = ClaimRecord(
        claim_id="clm_1",
        text="Dmitry Peskov said that resolution 2254 was adopted in December 2015.",
        article_id="art_1",
        newsroom="north",
        source_text="He said that resolution 2254 was adopted in December 2015.",
        start=40,
        end=98,
        speaker="Dmitry Peskov",
        attributed=True,
        checkworthiness=0.9,
        entities=[Entity(text="2254", label="CARDINAL", start=24, end=28)],
    )
    verdict = verifier.verify_claim(record, tolerate_source_errors=False)
    assert (verdict.claim_id, verdict.article_id, verdict.claim) == (
        "clm_1", "art_1", record.text,
    )  # fmt: skip
    assert verdict.checked == "Resolution 2254 was adopted in December 2015."  # attributed
    assert verdict.claim_details() == record.claim_details()
    assert verdict.newsroom == "north"


class _CountingScorer(LexicalStanceScorer):
    """The lexical scorer, counting the pairs it is asked to read."""

    def __init__(self) -> None:
        super().__init__()
        self.sentences: list[str] = []
        self.passages: list[list[str]] = []

    def score(
        self, claim: str, sentences: Sequence[str], *, context: Sequence[str] | None = None
    ) -> list[StanceScore]:
        self.sentences += sentences
        return super().score(claim, sentences, context=context)

    def score_passage(self, claim: str, sentences: Sequence[str]) -> StanceScore:
        self.passages.append(list(sentences))
        return super().score_passage(claim, sentences)


OFF_TOPIC = [
    "The council also discussed the situation in Yemen.",
    "Several members spoke about humanitarian access.",
    "The meeting ended in the afternoon.",
    "Delegates thanked the presidency for its work.",
]


def test_an_aligned_sentence_that_decides_is_read_alone(settings: Settings) -> None:
    """The early exit: a sentence stating the claim's year otherwise decides, so the
    off-topic sentences are not read, and one sentence needs no joined pass."""
    scorer = _CountingScorer()
    verifier = Verifier([], scorer, verifier_config(settings))
    claim = "Resolution 2254 of the UN Security Council was adopted unanimously in 2016."
    verdict = verifier.verify(
        "c1", claim, evidence=[*OFF_TOPIC, *EVIDENCE], tolerate_source_errors=False
    )
    assert verdict.label == "refuted"
    assert scorer.sentences == EVIDENCE and scorer.passages == []
    assert verifier.pairs_scored == 1


def test_without_a_deciding_sentence_the_best_few_are_read_and_once_joined(
    settings: Settings,
) -> None:
    scorer = _CountingScorer()
    config = verifier_config(settings.model_copy(update={"stance_pairs_max": 3}))
    verifier = Verifier([], scorer, config)
    claim = "The council discussed humanitarian access in Yemen."
    verifier.verify("c1", claim, evidence=OFF_TOPIC, tolerate_source_errors=False)
    assert len(scorer.sentences) == 3  # of four
    assert scorer.passages == [scorer.sentences]  # the same three, read together
    assert verifier.pairs_scored == 4
