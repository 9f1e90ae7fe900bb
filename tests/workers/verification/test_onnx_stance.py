"""The shipped int8 stance model on clear cases.

Skipped where the runtime deps (onnxruntime, tokenizers) are not installed; the model
files themselves ship with the repo.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")

from workers.verification.onnx_stance import DEFAULT_MODEL_DIR, OnnxStanceScorer


@pytest.fixture(scope="module")
def scorer() -> OnnxStanceScorer:
    return OnnxStanceScorer(DEFAULT_MODEL_DIR, threads=2, batch_size=8)


def _top(s: object) -> str:
    probs = {
        "supported": s.supports,  # type: ignore[attr-defined]
        "refuted": s.refutes,  # type: ignore[attr-defined]
        "not_enough_info": s.neutral,  # type: ignore[attr-defined]
    }
    return max(probs, key=lambda k: probs[k])


CASES = [
    (
        "The Eiffel Tower is located in Paris.",
        "The Eiffel Tower is a wrought-iron lattice tower in Paris, France.",
        "supported",
    ),
    (
        "The Eiffel Tower is located in Berlin.",
        "The Eiffel Tower is a wrought-iron lattice tower in Paris, France.",
        "refuted",
    ),
    (
        "The Eiffel Tower is located in Paris.",
        "Bananas are a good source of potassium and vitamin B6.",
        "not_enough_info",
    ),
    (
        "Unemployment fell to 3.5 percent in September.",
        "The jobless rate dropped to 3.5% in September, the lowest in decades.",
        "supported",
    ),
    (
        "The Eiffel Tower is not located in Paris.",
        "The Eiffel Tower is a wrought-iron lattice tower in Paris, France.",
        "refuted",
    ),
    (
        "The jobless rate dropped to 7% in September.",
        "The jobless rate dropped to 3.5% in September, the lowest in decades.",
        "refuted",
    ),
    (
        "The city council approved the new budget on Monday.",
        "The football club signed a new striker from Portugal.",
        "not_enough_info",
    ),
]


# Known failure modes (MODEL_CARD.md): antonyms and negation on the evidence side.
KNOWN_HARD = [
    (
        "Unemployment rose in September.",
        "The jobless rate dropped to 3.5% in September, the lowest in decades.",
        "refuted",
    ),
    (
        "The Eiffel Tower is located in Paris.",
        "The Eiffel Tower is in Rome, not Paris.",
        "refuted",
    ),
]


@pytest.mark.xfail(strict=False, reason="known weakness of the small model")
@pytest.mark.parametrize(("claim", "evidence", "expected"), KNOWN_HARD)
def test_known_hard_cases(
    scorer: OnnxStanceScorer, claim: str, evidence: str, expected: str
) -> None:
    (s,) = scorer.score(claim, [evidence])
    assert _top(s) == expected, s


@pytest.mark.parametrize(("claim", "evidence", "expected"), CASES)
def test_clear_cases(scorer: OnnxStanceScorer, claim: str, evidence: str, expected: str) -> None:
    (s,) = scorer.score(claim, [evidence])
    assert _top(s) == expected, s


def test_scores_are_distributions_in_order(scorer: OnnxStanceScorer) -> None:
    claim = "The Eiffel Tower is located in Paris."
    sentences = [
        "Bananas are a good source of potassium.",
        "The Eiffel Tower stands in Paris.",
        "The Eiffel Tower is located in Berlin, Germany.",
    ]
    out = scorer.score(claim, sentences)
    assert len(out) == 3
    for s in out:
        assert abs(s.supports + s.refutes + s.neutral - 1.0) < 1e-4
        assert s.relevance == pytest.approx(1.0 - s.neutral)
    assert out[0].relevance < 0.5 < out[1].relevance
    assert out[1].supports > out[1].refutes
    assert out[2].refutes > out[2].supports
    assert scorer.score(claim, []) == []
    # batching changes results only slightly (dynamic int8 quantizes activations per batch)
    single = [scorer.score(claim, [x])[0] for x in sentences]
    for a, b in zip(out, single, strict=True):
        assert a.supports == pytest.approx(b.supports, abs=0.02)
        assert a.neutral == pytest.approx(b.neutral, abs=0.02)


def test_no_torch_or_transformers_imported() -> None:
    assert "torch" not in sys.modules
    assert "transformers" not in sys.modules


def test_config_and_sizes() -> None:
    conf = json.loads((DEFAULT_MODEL_DIR / "config.json").read_text())
    assert conf["max_len"] <= 192
    assert conf["temperature"] > 0
    for f in DEFAULT_MODEL_DIR.iterdir():
        assert f.stat().st_size <= 30_000_000, f


def test_missing_model_dir(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"labels": ["a"], "max_len": 8}')
    with pytest.raises(FileNotFoundError):
        OnnxStanceScorer(tmp_path)


def test_context_is_read_before_the_sentence_it_resolves() -> None:
    """ "It" names nothing alone; with the document's title and the previous sentence read
    before it, the sentence is about the claim's subject."""
    claim = "The Golden Gate Bridge opened in 1937."
    sentence = "It opened to traffic in May 1937."
    context = ["Golden Gate Bridge. The Golden Gate Bridge spans the strait in San Francisco."]
    alone = OnnxStanceScorer(DEFAULT_MODEL_DIR, threads=2, context_words=0)
    reading = OnnxStanceScorer(DEFAULT_MODEL_DIR, threads=2, context_words=24)
    plain = alone.score(claim, [sentence], context=context)[0]
    read = reading.score(claim, [sentence], context=context)[0]
    assert plain == alone.score(claim, [sentence])[0]  # context_words=0 ignores it
    assert read.supports > plain.supports


def test_context_must_match_the_sentences(scorer: OnnxStanceScorer) -> None:
    with pytest.raises(ValueError, match="one entry per sentence"):
        scorer.score("A claim.", ["one", "two"], context=["only one"])


def test_a_joined_passage_is_read_past_the_sentence_pairs_length() -> None:
    """The claim's sentence comes after ~150 tokens of other text: cut at 128 tokens (the
    sentence pairs' length) it is never seen and the passage is neutral; at 256 it is read
    (the small model is unsure of so long a passage, but no longer calls it unrelated)."""
    claim = "The Eiffel Tower is located in Paris."
    filler = [
        f"The committee met on day {i} to discuss the budget of the regional railway line."
        for i in range(1, 10)
    ]
    sentences = [*filler, "The Eiffel Tower is a wrought-iron lattice tower in Paris, France."]
    short = OnnxStanceScorer(DEFAULT_MODEL_DIR, threads=2, passage_max_len=128)
    long = OnnxStanceScorer(DEFAULT_MODEL_DIR, threads=2, passage_max_len=256)
    cut = short.score_passage(claim, sentences)
    whole = long.score_passage(claim, sentences)
    assert _top(cut) == "not_enough_info"
    assert whole.neutral < cut.neutral - 0.2
