"""The ``factchecks`` source, the strong-match rule and the verdict it decides."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from shared.settings import Settings, load_settings
from tests.workers.sources.factchecks.conftest import ARCHIVE_ROWS, write_jsonl
from workers.components import embedding_config, factcheck_config, sources_config, verifier_config
from workers.sources.base import Passage
from workers.sources.factchecks.archive import FactCheckArchive
from workers.sources.factchecks.deciding_match import evidence_of, strong_match
from workers.sources.factchecks.embedding import OnnxEmbedder
from workers.sources.factchecks.source import FactCheckSource, build_matcher
from workers.sources.knowledge_base.index import KnowledgeBase, starter_corpus_path
from workers.sources.registry import build_sources, close_sources
from workers.verification.lexical import LexicalStanceScorer
from workers.verification.pipeline import Verifier

ArchiveFactory = Callable[..., FactCheckArchive]
REWORDED = "Wind turbines give people cancer with their noise"


@pytest.fixture
def archive_path(tmp_path: Path, embedder: OnnxEmbedder) -> Path:
    path = tmp_path / "factchecks.sqlite3"
    with FactCheckArchive(path) as archive:
        archive.import_file(write_jsonl(tmp_path / "rows.jsonl", ARCHIVE_ROWS), embedder)
    return path


@pytest.fixture
def settings_for(tmp_path: Path) -> Callable[..., Settings]:
    def make(archive: Path, **overrides: object) -> Settings:
        return load_settings(
            auth_enabled=False,
            factcheck_archive_path=archive,
            kb_path=tmp_path / "kb.sqlite3",
            onnx_threads=1,
            **overrides,
        )

    return make


@pytest.fixture
def source(archive_path: Path, settings_for: Callable[..., Settings]) -> Iterator[FactCheckSource]:
    made = FactCheckSource.from_config(factcheck_config(settings_for(archive_path)))
    yield made
    made.close()


def test_search_returns_fact_checks_as_passages(source: FactCheckSource) -> None:
    passages = source.search(REWORDED, 5)
    assert 1 <= len(passages) <= 3  # factcheck_top_k
    best = passages[0]
    assert best.source == "factchecks"
    assert best.doc_id == "pf:windmills"
    assert (best.publisher, best.published) == ("PolitiFact", "2019-04-03")
    assert (best.rating, best.label) == ("Pants on Fire", "refuted")
    assert best.url == "https://www.politifact.com/windmills"
    assert best.text == (
        'PolitiFact rated the claim "The noise from windmills causes cancer." '
        'as "Pants on Fire" on 2019-04-03.'
    )
    assert all(p.score >= source.min_score for p in passages)
    assert source.search(REWORDED, 1) == passages[:1]
    assert source.search("   ", 5) == []


def test_min_score_filters_weak_matches(source: FactCheckSource) -> None:
    source.min_score = 0.99
    assert source.search("The city council approved a new bicycle lane", 5) == []


def test_empty_archive_is_searchable(tmp_path: Path, settings_for: Callable[..., Settings]) -> None:
    empty = FactCheckSource.from_config(factcheck_config(settings_for(tmp_path / "none.sqlite3")))
    try:
        assert empty.search(REWORDED, 5) == []
    finally:
        empty.close()


def _passage(score: float, label: str | None, *, source: str = "factchecks") -> Passage:
    return Passage(
        source=source,
        doc_id=f"{label}-{score}",
        title="t",
        url="https://e.org",
        text="x",
        score=score,
        publisher="P",
        published="2020-01-01",
        rating=label,
        label=label,
    )


def test_strong_match_rules() -> None:
    assert strong_match([_passage(0.95, "refuted")], 0.9) is not None
    assert strong_match([_passage(0.85, "refuted")], 0.9) is None  # below the threshold
    assert strong_match([_passage(0.95, "conflicting")], 0.9) is None  # cannot decide
    assert strong_match([_passage(0.95, None)], 0.9) is None  # unmapped rating
    assert strong_match([_passage(0.95, "refuted", source="kb")], 0.9) is None  # not archive
    both = [_passage(0.95, "refuted"), _passage(0.92, "supported")]
    assert strong_match(both, 0.9) is None  # strong matches disagree
    best = strong_match([_passage(0.91, "refuted"), _passage(0.97, "refuted")], 0.9)
    assert best is not None and best.score == 0.97


def test_evidence_of_a_fact_check() -> None:
    item = evidence_of(_passage(0.93456, "supported"))
    assert (item.stance, item.score, item.publisher, item.rating) == (
        "supports",
        0.9346,
        "P",
        "supported",
    )


@pytest.fixture
def starter_kb(tmp_path: Path) -> Iterator[KnowledgeBase]:
    kb = KnowledgeBase(tmp_path / "kb.sqlite3")
    kb.import_jsonl(starter_corpus_path())
    yield kb
    kb.close()


def test_strong_match_decides_the_verdict(
    archive_path: Path, settings_for: Callable[..., Settings], starter_kb: KnowledgeBase
) -> None:
    settings = settings_for(archive_path, factcheck_match_threshold=0.5)
    client = httpx.Client()
    sources = build_sources(
        sources_config(settings),
        redis_client=None,
        http_client=client,
        names=["knowledge_base", "factchecks"],
    )
    try:
        assert [s.name for s in sources] == ["knowledge_base", "factchecks"]
        verifier = Verifier(sources, LexicalStanceScorer(), verifier_config(settings))
        verdict = verifier.verify("c1", REWORDED, tolerate_source_errors=False)
        assert verdict.label == "refuted"
        (item,) = verdict.evidence
        assert (item.source, item.doc_id, item.stance) == ("factchecks", "pf:windmills", "refutes")
        assert (item.publisher, item.published, item.rating) == (
            "PolitiFact",
            "2019-04-03",
            "Pants on Fire",
        )
        assert item.url == "https://www.politifact.com/windmills"
        assert verdict.confidence == item.score >= 0.5
        assert verifier.pairs_scored == 0  # decided without the stance model

        # the rule off: the match is shown as a rated passage (never stance-scored) and
        # the pipeline decides from the other sources (nothing on windmills in the KB)
        settings_off = settings.model_copy(update={"factcheck_decides": False})
        off = Verifier(sources, LexicalStanceScorer(), verifier_config(settings_off))
        verdict = off.verify("c2", REWORDED, tolerate_source_errors=False)
        assert verdict.label == "not_enough_info"
        assert verdict.evidence[0].doc_id == "pf:windmills"
        assert verdict.evidence[0].stance == "refutes"
        assert [e.source for e in verdict.evidence].count("factchecks") == len(
            {e.doc_id for e in verdict.evidence if e.source == "factchecks"}
        )  # once each, as a rated passage, not once per scored sentence
    finally:
        close_sources(sources)
        client.close()


def test_weak_or_undecided_match_leaves_the_verdict_to_the_pipeline(
    archive_path: Path, settings_for: Callable[..., Settings], starter_kb: KnowledgeBase
) -> None:
    settings = settings_for(archive_path, factcheck_match_threshold=1.0)
    matcher = build_matcher(embedding_config(settings), FactCheckArchive(archive_path))
    source = FactCheckSource(matcher, top_k=3, min_score=0.0)
    try:
        claim = "The APEC summit of 2017 was held in Da Nang, Vietnam."
        verdict = Verifier(
            [starter_kb, source], LexicalStanceScorer(), verifier_config(settings)
        ).verify("c3", claim, tolerate_source_errors=False)
        assert verdict.label == "supported"  # decided by the knowledge base
        assert verdict.evidence[0].source == "knowledge_base"
        weak = [e for e in verdict.evidence if e.source == "factchecks"]
        assert weak and all(e.score < 0.5 for e in weak)  # shown, deciding nothing
    finally:
        source.close()
