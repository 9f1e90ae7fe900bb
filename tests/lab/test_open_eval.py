from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from lab.open_eval import (
    OpenFileReport,
    document_id,
    evaluate_open_file,
    evidence_recall,
    gold_evidence,
    open_settings,
    read_labelled,
    render_open,
    render_open_table,
    title_of,
    to_json,
)
from shared.settings import Settings, load_settings
from workers.sources.knowledge_base.index import KnowledgeBase

EIFFEL = "The Eiffel Tower is a wrought-iron tower in Paris, France."
BANANAS = "Bananas are rich in potassium and vitamin B6."
WALL = "The Great Wall of China is not visible from space with the naked eye."
EVEREST = "Mount Everest is the highest mountain on Earth above sea level."

ROWS: list[dict[str, Any]] = [
    {
        "id": "r1",
        "claim": "The Eiffel Tower is in Paris.",
        "evidence": [EIFFEL],
        "label": "supported",
        "page": "Eiffel_Tower",
    },
    {
        # the gold rationale is the bananas sentence, which shares no word with the claim:
        # it cannot be retrieved, so this row is a recall miss by construction
        "id": "r2",
        "claim": "The Great Wall of China is visible from space.",
        "evidence": [BANANAS, WALL],
        "rationale_idx": [0],
        "label": "refuted",
    },
    {
        "id": 3,
        "claim": "Mount Everest is the tallest mountain on Earth.",
        "evidence": [EVEREST, "  the eiffel TOWER is a wrought-iron tower in\tParis, France. "],
        "label": "supported",
    },
    {"id": "r4", "claim": "Bananas are yellow.", "evidence": [], "label": "not_enough_info"},
]


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def lexical_settings(tmp_path: Path) -> Settings:
    # kb_path points at a file that never exists: the open run must use its own base
    return load_settings(
        auth_enabled=False, stance_scorer="lexical", kb_path=tmp_path / "unused.sqlite3"
    )


def test_document_ids_are_stable_hashes_of_the_normalised_text() -> None:
    expected = "ev-" + hashlib.sha1(EIFFEL.casefold().encode()).hexdigest()[:16]
    assert document_id(EIFFEL) == expected
    assert (
        document_id("  THE Eiffel Tower is a wrought-iron\n tower in Paris,  France.") == expected
    )
    assert document_id(BANANAS) != expected


def test_titles_and_gold_evidence() -> None:
    assert title_of({"page": "Simon_Pegg"}, "x") == "Simon Pegg"
    assert title_of({"claim_title": "WLUR", "page": ""}, "x") == "WLUR"
    assert title_of({"titles": ["", "Vitamin D"]}, "x") == "Vitamin D"
    text = "one two three four five six seven eight nine ten"
    assert title_of({}, text) == "one two three four five six seven eight"
    assert gold_evidence({"evidence": ["a", "b", "c"]}) == ["a", "b", "c"]
    assert gold_evidence({"evidence": ["a", "b", "c"], "rationale_idx": [2, 0, 9]}) == ["c", "a"]
    assert gold_evidence({"evidence": ["a"], "rationale_idx": []}) == []


def test_corpus_pools_distinct_evidence(tmp_path: Path) -> None:
    documents, rows = read_labelled(_write(tmp_path / "toy.test.jsonl", ROWS))
    # EIFFEL appears twice (case and whitespace differ): one document, first text kept
    assert [d.text for d in documents] == [EIFFEL, BANANAS, WALL, EVEREST]
    assert documents[0].title == "Eiffel Tower"
    assert documents[1].title == "Bananas are rich in potassium and vitamin B6."
    assert [r.gold_ids for r in rows] == [
        {document_id(EIFFEL)},
        {document_id(BANANAS)},
        {document_id(EVEREST), document_id(EIFFEL)},
        set(),
    ]


def test_evidence_recall_by_hand() -> None:
    labels = ["supported", "refuted", "supported", "not_enough_info", "refuted"]
    gold = [
        frozenset({"a"}),
        frozenset({"b", "c"}),
        frozenset({"d"}),
        frozenset({"e"}),
        frozenset(),
    ]
    predicted = [
        ["x", "a"],  # hit
        ["x", "y", "z", "w", "v", "c"],  # gold at position 6: a miss at k=5
        [],  # miss
        ["e"],  # not counted: gold label not_enough_info
        ["q"],  # not counted: no gold evidence
    ]
    r = evidence_recall(labels, gold, predicted)
    assert (r.hits, r.rows, r.k) == (1, 3, 5)
    assert r.recall == pytest.approx(1 / 3)
    assert evidence_recall(labels, gold, predicted, k=6).hits == 2
    assert evidence_recall(["not_enough_info"], [frozenset({"a"})], [["a"]]).recall is None
    with pytest.raises(ValueError):
        evidence_recall(labels, gold, predicted[:2])


def test_open_settings_keep_only_the_knowledge_base(tmp_path: Path) -> None:
    base = load_settings(
        auth_enabled=False, stance_scorer="lexical", sources=["knowledge_base", "wikipedia"]
    )
    settings = open_settings(base, tmp_path / "kb.sqlite3")
    assert settings.sources == ["knowledge_base"]
    assert settings.kb_path == tmp_path / "kb.sqlite3"
    assert settings.stance_scorer == "lexical" and settings.evidence_top_k == base.evidence_top_k


def _verdicts(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_eval_open_end_to_end(tmp_path: Path, lexical_settings: Settings) -> None:
    data = _write(tmp_path / "toy.test.jsonl", ROWS)
    cache, work = tmp_path / "cache", tmp_path / "work"
    report = evaluate_open_file(
        data, "eval", lexical_settings, cache_dir=cache, work_dir=work, compare=True
    )
    assert isinstance(report, OpenFileReport)
    assert report.rows == 4 and report.corpus_documents == 4 and not report.kb_reused
    kb_path = Path(report.kb_path)
    assert kb_path.parent == cache and kb_path.name.startswith("toy.test-")
    with KnowledgeBase(kb_path) as kb:
        assert kb.count() == 4
        eiffel = kb.get(document_id(EIFFEL))
        assert eiffel is not None and eiffel.title == "Eiffel Tower" and eiffel.text == EIFFEL
    assert not (tmp_path / "unused.sqlite3").exists()

    # every claim was verified without its evidence: what it cites came from the base
    verdicts = _verdicts(work / "toy.test.open.predictions.jsonl")
    assert [v["id"] for v in verdicts] == [r["id"] for r in ROWS]
    cited = [[e["doc_id"] for e in v["evidence"]] for v in verdicts]
    assert all(e["source"] == "knowledge_base" for v in verdicts for e in v["evidence"])
    assert all(doc.startswith("ev-") for docs in cited for doc in docs)

    # recall@5, recomputed from the verdicts: r1's own sentence is found, r2's rationale
    # (the bananas sentence) cannot be, r4 (not_enough_info, no evidence) is not counted
    assert document_id(EIFFEL) in cited[0][:5]
    assert document_id(BANANAS) not in cited[1]
    hit_3 = bool({document_id(EVEREST), document_id(EIFFEL)} & set(cited[2][:5]))
    assert (report.recall.hits, report.recall.rows) == (1 + hit_3, 3)
    assert report.recall.recall == pytest.approx((1 + hit_3) / 3)

    # the scores are those of the verdicts written
    labels = [v["label"] for v in verdicts]
    gold = [r["label"] for r in ROWS]
    assert report.open.accuracy == pytest.approx(
        sum(p == g for p, g in zip(labels, gold, strict=True)) / 4
    )
    decided = [
        v["label"] == r["label"]
        for v, r in zip(verdicts, ROWS, strict=True)
        if not v["needs_review"] and v["label"] in ("supported", "refuted")
    ]
    assert report.open.decided.decided == len(decided)
    assert report.open.decided.correct == sum(decided)
    assert report.open.decided.coverage == pytest.approx(len(decided) / 4)
    assert report.open.claims_per_second > 0

    # the given-evidence run: same rows, their own evidence
    assert report.given is not None and report.given.rows == 4
    given = _verdicts(work / "given" / "toy.test.predictions.jsonl")
    assert all(e["source"] != "knowledge_base" for v in given for e in v["evidence"])
    assert report.accuracy_gap == pytest.approx(report.open.accuracy - report.given.accuracy)

    text = render_open(report)
    assert f"evidence recall@5={report.recall.recall:.3f} ({1 + hit_3}/3" in text
    assert "accuracy gap (open - given)=" in text
    assert "| toy.test.jsonl | eval | 4 | 4 |" in render_open_table([report])
    assert json.loads(json.dumps(to_json([report])))["files"][0]["recall"]["rows"] == 3

    # a second run reuses the cached base; --limit verifies fewer rows, the corpus stays
    again = evaluate_open_file(
        data, "eval", lexical_settings, cache_dir=cache, work_dir=work, limit=2, compare=False
    )
    assert again is not None and again.kb_reused and again.kb_path == report.kb_path
    assert again.rows == 2 and again.corpus_documents == 4
    assert again.given is None and again.accuracy_gap is None
    assert again.recall.rows == 2
    assert sorted(p.name for p in cache.iterdir()) == sorted(
        [kb_path.name, kb_path.with_suffix(".jsonl").name]
    )


def test_changed_corpus_gets_a_new_base_and_no_evidence_means_no_report(
    tmp_path: Path, lexical_settings: Settings
) -> None:
    cache = tmp_path / "cache"
    first = evaluate_open_file(
        _write(tmp_path / "a.dev.jsonl", ROWS[:1]),
        "dev",
        lexical_settings,
        cache_dir=cache,
        work_dir=tmp_path / "w",
        compare=False,
    )
    second = evaluate_open_file(
        _write(tmp_path / "a.dev.jsonl", ROWS[:2]),
        "dev",
        lexical_settings,
        cache_dir=cache,
        work_dir=tmp_path / "w",
        compare=False,
    )
    assert first is not None and second is not None
    assert first.kb_path != second.kb_path and not second.kb_reused
    assert (first.corpus_documents, second.corpus_documents) == (1, 3)
    none = evaluate_open_file(
        _write(tmp_path / "b.dev.jsonl", ROWS[3:]),
        "dev",
        lexical_settings,
        cache_dir=cache,
        work_dir=tmp_path / "w",
    )
    assert none is None
