from __future__ import annotations

import pytest

from workers.verification.lexical import LexicalStanceScorer
from workers.verification.stance import StanceScore, StanceScorer

RESOLUTION = (
    "Resolution 2254 of the UN Security Council was adopted unanimously on 18 December 2015."
)
STATEMENT = (
    "The two presidents agreed that the conflict in Syria has no military solution and that "
    "the settlement must be found within the Geneva process."
)


def _one(claim: str, sentence: str, context: str = "") -> StanceScore:
    scorer: StanceScorer = LexicalStanceScorer()
    return scorer.score(claim, [sentence], context=[context])[0]


def _assert_distribution(score: StanceScore) -> None:
    assert score.supports + score.refutes + score.neutral == pytest.approx(1.0)
    for value in (score.supports, score.refutes, score.neutral, score.relevance):
        assert 0.0 <= value <= 1.0


def test_paraphrase_supports() -> None:
    score = _one("UN Security Council resolution 2254 was adopted unanimously in 2015.", RESOLUTION)
    _assert_distribution(score)
    assert score.relevance > 0.8
    assert score.supports > 0.8 > score.refutes


def test_negated_claim_is_refuted() -> None:
    score = _one("The conflict in Syria has a military solution.", STATEMENT)
    _assert_distribution(score)
    assert score.refutes > 0.6 and score.supports == 0


def test_matching_negation_supports() -> None:
    score = _one("The conflict in Syria has no military solution.", STATEMENT)
    assert score.supports > 0.6 and score.refutes == 0


def test_wrong_year_is_refuted() -> None:
    score = _one("UN Security Council resolution 2254 was adopted in 2016.", RESOLUTION)
    _assert_distribution(score)
    assert score.refutes > 0.6


def test_opposite_verb_is_refuted() -> None:
    score = _one("UN Security Council resolution 2254 was rejected.", RESOLUTION)
    assert score.refutes > 0.6


def test_unrelated_sentence_is_neutral_and_irrelevant() -> None:
    score = _one("Bananas are the most popular fruit in Canada.", RESOLUTION)
    _assert_distribution(score)
    assert score.neutral == 1.0 and score.relevance < 0.3


def test_negation_about_something_else_does_not_refute() -> None:
    sentence = (
        "Kremlin spokesman Dmitry Peskov said that the election was not a subject of the "
        "brief conversations in Da Nang."
    )
    score = _one("Dmitry Peskov is the press secretary of the Kremlin.", sentence)
    assert score.refutes == 0


def test_context_resolves_pronouns_but_does_not_support_alone() -> None:
    claim = "North Korea carried out a nuclear test in September 2017."
    sentence = "It carried out a nuclear test on 3 September 2017."
    without = _one(claim, sentence)
    with_title = _one(claim, sentence, "North Korea's nuclear weapons programme.")
    assert with_title.relevance > without.relevance
    assert with_title.supports > without.supports
    echo = _one(claim, "Pyongyang reacted angrily.", claim)  # context alone
    assert echo.supports < 0.3


def test_claim_without_content_words() -> None:
    assert _one("It is what it is.", RESOLUTION).neutral == 1.0


def test_scores_one_per_sentence_in_order() -> None:
    scorer = LexicalStanceScorer()
    scores = scorer.score("resolution 2254 adopted", [RESOLUTION, "Cats purr.", RESOLUTION])
    assert len(scores) == 3 and scores[0] == scores[2] and scores[1].relevance == 0
    with pytest.raises(ValueError, match="one entry per sentence"):
        scorer.score("x", ["a", "b"], context=["only one"])
