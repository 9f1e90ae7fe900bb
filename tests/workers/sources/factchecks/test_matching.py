"""Claim matching with the shipped embedding model: reworded claims find their fact-check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from workers.sources.factchecks.archive import FactCheckArchive
from workers.sources.factchecks.embedding import DEFAULT_MODEL_DIR, OnnxEmbedder
from workers.sources.factchecks.matching import (
    DEFAULT_FUSION,
    FEATURES,
    Fusion,
    Matcher,
    _best_other,
)

ArchiveFactory = Callable[..., FactCheckArchive]


@pytest.fixture
def matcher(archive_factory: ArchiveFactory, embedder: OnnxEmbedder) -> Matcher:
    return Matcher(
        archive_factory(embedder=embedder), embedder, fusion=Matcher.fusion_for(DEFAULT_MODEL_DIR)
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # few words in common with the archived claim
        ("Wind turbines give people cancer with their noise", "pf:windmills"),
        ("Paris is going to take down the Eiffel Tower next year", "afp:eiffel"),
        ("The coronavirus jabs put a chip in you that talks to 5G masts", "snopes:vaccine-5g"),
        ("The 1969 Moon landing was staged in a Hollywood studio", "pf:moon"),
        ("A $15 minimum wage would destroy over a million jobs", "pf:minimum-wage"),
    ],
)
def test_reworded_claim_finds_its_fact_check(matcher: Matcher, query: str, expected: str) -> None:
    matches = matcher.match(query, 3)
    assert matches[0].factcheck.id == expected
    assert matches[0].score > matches[1].score
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_scores_separate_a_match_from_an_unrelated_claim(matcher: Matcher) -> None:
    same = matcher.match("Windmill noise causes cancer", 1)[0]
    unrelated = matcher.match("The city council approved a new bicycle lane on Main Street", 1)
    assert same.factcheck.id == "pf:windmills"
    assert same.score >= 0.5
    assert not unrelated or unrelated[0].score < 0.3


def test_match_many_equals_match_one_by_one(matcher: Matcher) -> None:
    queries = ["Windmills cause cancer", "Bananas cure hangovers", "The moon landing was fake"]
    together = matcher.match_many(queries, 2)
    alone = [matcher.match(q, 2) for q in queries]
    assert [[(m.factcheck.id, m.score) for m in ms] for ms in together] == [
        [(m.factcheck.id, m.score) for m in ms] for ms in alone
    ]


def test_matches_carry_the_fact_check(matcher: Matcher) -> None:
    best = matcher.match("noise of windmills causes cancer", 1)[0]
    fc = best.factcheck
    assert (fc.publisher, fc.rating, fc.label) == ("PolitiFact", "Pants on Fire", "refuted")
    assert fc.url == "https://www.politifact.com/windmills" and fc.published == "2019-04-03"
    assert 0.0 <= best.score <= 1.0 and -1.0 <= best.cosine <= 1.0


def test_new_imports_are_picked_up(
    matcher: Matcher, embedder: OnnxEmbedder, tmp_path: Path
) -> None:
    assert matcher.match("Sharks are immune to cancer", 1)[0].factcheck.id != "new:sharks"
    src = tmp_path / "more.jsonl"
    src.write_text('{"id": "new:sharks", "claim": "Sharks never get cancer.", "rating": "False"}\n')
    matcher.archive.import_file(src, embedder)
    assert matcher.match("Sharks are immune to cancer", 1)[0].factcheck.id == "new:sharks"


def test_rows_without_embeddings_are_still_found_by_bm25(
    archive_factory: ArchiveFactory, embedder: OnnxEmbedder
) -> None:
    archive = archive_factory(embedder=None)
    matcher = Matcher(archive, embedder)
    best = matcher.match("Eiffel Tower dismantled 2025", 1)
    assert best and best[0].factcheck.id == "afp:eiffel"


def test_empty_archive_and_empty_queries(
    archive_factory: ArchiveFactory, embedder: OnnxEmbedder
) -> None:
    matcher = Matcher(archive_factory(rows=[]), embedder)
    assert matcher.match("Anything at all", 5) == []
    assert matcher.match_many([], 5) == []


def test_exclude_acts_as_if_the_rows_were_gone(matcher: Matcher) -> None:
    vectors = matcher.vectors()
    text = "Wind turbines give people cancer"
    sims = matcher.embedder.embed([text])[0] @ vectors.matrix.T
    candidates, _, _, _ = matcher.candidate_features(text, sims, vectors.rowids)
    windmills = matcher.archive.rowid_of("pf:windmills")
    assert windmills in candidates
    without, features, _, _ = matcher.candidate_features(
        text, sims, vectors.rowids, exclude={windmills}
    )
    assert windmills not in without
    assert features.shape == (len(without), len(FEATURES))


def test_fusion_file_round_trip(tmp_path: Path) -> None:
    from lab.matching_metrics import save_fusion

    path = tmp_path / "fusion.json"
    fusion = Fusion(weights=tuple(float(i) for i in range(len(FEATURES))), lexical_candidates=7)
    save_fusion(fusion, path, {"queries": "x"})
    assert Fusion.load(path) == fusion
    assert Matcher.fusion_for(tmp_path / "nowhere") == DEFAULT_FUSION


def test_best_other() -> None:
    assert _best_other(np.array([0.3, 0.9, 0.5])).tolist() == [0.9, 0.5, 0.9]
    assert _best_other(np.array([0.4])).tolist() == [0.0]
