from __future__ import annotations

import json
import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from shared.errors import InputError
from shared.schemas import Verdict
from shared.settings import load_settings
from tests.shared import factories
from tests.workers.conftest import ContextFactory
from workers.components import verifier_config
from workers.newsroom.confidence_maps import NewsroomCalibration
from workers.processing import check_claim
from workers.sources.knowledge_base.index import KnowledgeBase
from workers.verification.batch import verify_batch
from workers.verification.calibration import IsotonicMap, VerdictCalibration
from workers.verification.decision import FEATURES, DecisionModel
from workers.verification.lexical import LexicalStanceScorer
from workers.verification.pipeline import Verifier


@pytest.fixture
def verifier(starter_kb: KnowledgeBase) -> Verifier:
    return Verifier(
        [starter_kb],
        LexicalStanceScorer(),
        verifier_config(load_settings(auth_enabled=False)),
    )


def _write(path: Path, rows: Sequence[object]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_rows_with_and_without_evidence(verifier: Verifier, tmp_path: Path) -> None:
    bridge = "The bridge opened in 1990 after six years of work."
    rows: list[dict[str, Any]] = [
        {"id": "r1", "claim": "UN Security Council resolution 2254 was adopted in 2016."},
        {
            "id": 2,
            "claim": "The bridge opened in 1990.",
            "evidence": [bridge],
        },
        {"id": "r3", "claim": "Bananas are the most popular fruit in Canada."},
        {"id": "r4", "claim": "The bridge opened in 1990.", "evidence": []},
    ]
    out = tmp_path / "out" / "labels.jsonl"
    stats = verify_batch(_write(tmp_path / "in.jsonl", rows), out, verifier, progress=False)
    results = _read(out)
    assert [r["id"] for r in results] == ["r1", 2, "r3", "r4"]
    assert [r["label"] for r in results] == [
        "refuted",
        "supported",
        "not_enough_info",
        "not_enough_info",
    ]
    for row, result in zip(rows, results, strict=True):
        # the whole verdict, as the workers publish it, after the input row's id
        assert next(iter(result)) == "id"
        verdict = Verdict.model_validate({k: v for k, v in result.items() if k != "id"})
        assert set(result) == {"id", *Verdict.model_fields}
        assert verdict.claim_id == str(row["id"]) and verdict.claim == row["claim"]
        assert isinstance(result["needs_review"], bool)
    # the given evidence is the verdict's evidence, with its document id and sentence
    given = results[1]["evidence"]
    assert isinstance(given, list) and given
    assert all(e["doc_id"] and e["text"] in bridge for e in given)
    assert results[3]["evidence"] == []
    assert stats.rows == 4 and stats.with_evidence == 2
    assert stats.labels["not_enough_info"] == 2
    assert "verified 4 claims" in str(stats)


def test_bad_row_names_its_line_and_leaves_no_output(verifier: Verifier, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"id": "a", "claim": "Tea is hot."}\n\n{"id": "b", "claim": ""}\n', encoding="utf-8"
    )
    out = tmp_path / "labels.jsonl"
    with pytest.raises(InputError, match=r"in\.jsonl:3: 'claim' must be a non-empty string"):
        verify_batch(source, out, verifier, progress=False)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [source]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("nope", "not valid JSON"),
        ('"just a string"', "expected a JSON object"),
        ('{"claim": "x"}', "'id' must be"),
        ('{"id": true, "claim": "x"}', "'id' must be"),
        ('{"id": "a", "claim": "x", "evidence": "text"}', "'evidence' must be a list"),
        ('{"id": "a", "claim": "x", "evidence": [1]}', "'evidence' must be a list"),
        ('{"id": "a", "claim": "x\\ud800"}', "in.jsonl:1: 'claim' holds a lone surrogate"),
        ("[" * 5000 + "]" * 5000, "in.jsonl:1: nested deeper than 64 levels"),
        (
            '{"id": "a", "claim": "x", "evidence": ["'
            + "y" * 60_000
            + '", "'
            + "z" * 50_000
            + '"]}',
            "in.jsonl:1: 'evidence' holds 110,000 characters, more than the 100,000",
        ),
    ],
)
def test_row_validation(verifier: Verifier, tmp_path: Path, line: str, message: str) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        verify_batch(source, tmp_path / "o.jsonl", verifier, progress=False)


def test_invalid_utf8_names_its_line(verifier: Verifier, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"id": "a", "claim": "ok"}\n{"id": "b", "claim": "caf\xe9"}\n')
    with pytest.raises(InputError, match=r"in\.jsonl:2: not UTF-8 text"):
        verify_batch(source, tmp_path / "o.jsonl", verifier, progress=False)
    assert list(tmp_path.iterdir()) == [source]


def test_missing_input_is_an_input_error(verifier: Verifier, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        verify_batch(tmp_path / "none.jsonl", tmp_path / "o.jsonl", verifier, progress=False)


def test_memory_stays_flat_as_input_grows(verifier: Verifier, tmp_path: Path) -> None:
    def peak(rows: int) -> int:
        path = tmp_path / f"in{rows}.jsonl"
        with path.open("w", encoding="utf-8") as sink:
            for i in range(rows):
                claim = f"Claim {i} says the tea ceremony {i} lasted {i} hours."
                sink.write(json.dumps({"id": i, "claim": claim, "evidence": [claim]}) + "\n")
        tracemalloc.start()
        verify_batch(path, tmp_path / f"out{rows}.jsonl", verifier, progress=True)  # not a TTY
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(100), peak(1500)
    assert large < small * 2 + 200_000
    assert len(_read(tmp_path / "out1500.jsonl")) == 1500


SAME_CLAIMS = (
    "UN Security Council resolution 2254 was adopted unanimously in December 2015.",
    "UN Security Council resolution 2254 was adopted in 2016.",
    "Bananas are the most popular fruit in Canada.",
    "APEC was set up in 1995.",
    "Donald Trump and Vladimir Putin held a formal bilateral meeting in Da Nang.",
    "The Security Council has 15 members.",
    "The Security Council has 12 members.",
)


def _fitted_decision() -> DecisionModel:
    """supported <- max_support, refuted <- max_refute, not_enough_info <- min_neutral."""
    weights = np.zeros((len(FEATURES), 3))
    for k, name in enumerate(("max_support", "max_refute", "min_neutral")):
        weights[FEATURES.index(name), k] = 8.0
    zeros, ones = np.zeros(len(FEATURES)), np.ones(len(FEATURES))
    thresholds = {"supported": 0.6, "not_enough_info": 0.5, "rule:supported": 0.5}
    return DecisionModel(weights, np.zeros(3), zeros, ones, review_thresholds=thresholds)


def _published(ctx: Any, claim_id: str) -> dict[str, Any]:
    rows = ctx.redis.xrange(ctx.settings.verdict_stream)
    entries = [json.loads(f["data"]) for _, f in rows if f["type"] == "verdict"]
    [data] = [e for e in entries if e["claim_id"] == claim_id]
    return dict(data)


@pytest.mark.parametrize("fitted", [False, True], ids=["rules", "fitted-decision"])
@pytest.mark.parametrize("mapped", [False, True], ids=["no-map", "newsroom-map"])
def test_verify_batch_gives_the_verdict_the_worker_publishes(
    context_factory: ContextFactory, tmp_path: Path, fitted: bool, mapped: bool
) -> None:
    ctx = context_factory()
    if fitted:
        ctx.verifier.decision = _fitted_decision()
    if mapped:
        curve = IsotonicMap((0.0, 1.0), (0.5, 0.95))
        (tmp_path / "daily-planet.json").write_text(VerdictCalibration({}, curve).to_json())
        ctx.policy.review_maps = NewsroomCalibration(tmp_path)
    published = []
    for text in SAME_CLAIMS:
        article, claims = factories.article(1)
        claim = claims[0].model_copy(update={"text": text, "newsroom": "daily-planet"})
        ctx.store.save([claim], article.model_copy(update={"newsroom": "daily-planet"}))
        assert check_claim(ctx, claim.claim_id, final_attempt=False) is not None
        published.append(_published(ctx, claim.claim_id))
    rows = [{"id": i, "claim": text} for i, text in enumerate(SAME_CLAIMS)]
    out = tmp_path / "out.jsonl"
    verify_batch(
        _write(tmp_path / "in.jsonl", rows),
        out,
        ctx.verifier,
        progress=False,
        policy=ctx.policy,
        newsroom="daily-planet",
    )
    fields = ("label", "confidence", "needs_review", "reason", "evidence", "conflicts")
    batch = [{k: v[k] for k in fields} for v in _read(out)]
    assert batch == [{k: v[k] for k in fields} for v in published]
    assert len({(v["label"], v["needs_review"]) for v in batch}) >= 4  # not all alike
