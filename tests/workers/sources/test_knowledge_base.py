from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from shared.errors import InputError
from workers.sources.knowledge_base import KnowledgeBase, build_match_query


def _write_jsonl(path: Path, rows: Sequence[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    return KnowledgeBase(tmp_path / "sub" / "kb.sqlite3")


DOCS = [
    {"id": "tea", "title": "Tea", "text": "Tea is brewed from the leaves of Camellia sinensis."},
    {"id": "coffee", "title": "Coffee", "text": "Coffee is brewed from roasted coffee beans."},
    {"id": "rain", "title": "Rain", "text": "Rain is water falling from clouds.", "url": None},
]


def test_import_search_count(kb: KnowledgeBase, tmp_path: Path) -> None:
    assert kb.import_jsonl(_write_jsonl(tmp_path / "docs.jsonl", DOCS)) == 3
    assert kb.count() == 3
    hits = kb.search("How are coffee beans brewed?", 5)
    assert hits[0].doc_id == "coffee"
    assert hits[0].source == "knowledge_base"
    assert all(0 <= h.score < 1 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert kb.search("coffee", 1)[0].title == "Coffee"
    assert len(kb.search("brewed", 1)) == 1
    kb.close()


def test_upsert_by_id_replaces_text_and_index(kb: KnowledgeBase, tmp_path: Path) -> None:
    kb.import_jsonl(_write_jsonl(tmp_path / "a.jsonl", DOCS))
    changed = [{"id": "tea", "title": "Tea", "text": "Matcha is powdered green tea.", "url": "u"}]
    assert kb.import_jsonl(_write_jsonl(tmp_path / "b.jsonl", changed)) == 1
    assert kb.count() == 3
    doc = kb.get("tea")
    assert doc is not None and doc.text == "Matcha is powdered green tea." and doc.url == "u"
    assert kb.search("Camellia sinensis leaves", 5) == []  # old text left the index
    assert kb.search("matcha", 5)[0].doc_id == "tea"
    kb.close()


def test_persists_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite3"
    with KnowledgeBase(path) as kb:
        kb.import_jsonl(_write_jsonl(tmp_path / "a.jsonl", DOCS))
    with KnowledgeBase(path) as again:
        assert again.count() == 3
        assert again.search("rain clouds", 1)[0].doc_id == "rain"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"title": "t", "text": "x"}', "'id' must be a non-empty string"),
        ('{"id": "a", "text": "x"}', "'title' must be a non-empty string"),
        ('{"id": "a", "title": "t", "text": "  "}', "'text' must be a non-empty string"),
        ('{"id": "a", "title": "t", "text": "x", "url": 5}', "'url' must be a string"),
    ],
)
def test_bad_row_names_line_and_imports_nothing(
    kb: KnowledgeBase, tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    good = json.dumps(DOCS[0])
    path.write_text(f"{good}\n\n{line}\n", encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        kb.import_jsonl(path)
    assert f"{path}:3:" in str(info.value)
    assert kb.count() == 0  # the whole file is one transaction
    kb.close()


def test_missing_file_is_an_input_error(kb: KnowledgeBase, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        kb.import_jsonl(tmp_path / "nope.jsonl")
    kb.close()


@pytest.mark.parametrize(
    "claim",
    [
        'coffee" OR title:tea NEAR(rain) *',
        "coffee AND NOT tea",
        "^coffee: (beans) {title}",
        "'; DROP TABLE documents; --",
        "coffee\x00beans",
    ],
)
def test_fts_syntax_in_claims_is_searched_as_words(
    kb: KnowledgeBase, tmp_path: Path, claim: str
) -> None:
    kb.import_jsonl(_write_jsonl(tmp_path / "a.jsonl", DOCS))
    kb.search(claim, 5)  # must not raise
    assert kb.count() == 3
    kb.close()


def test_match_query_quotes_tokens_and_drops_stop_words() -> None:
    assert build_match_query("The coffee AND the tea") == '"coffee" OR "tea"'
    assert build_match_query("the of and") is None
    assert build_match_query("") is None
    query = build_match_query(" ".join(f"word{i}" for i in range(100)))
    assert query is not None and query.count(" OR ") == 31


def test_claim_without_content_words_finds_nothing(kb: KnowledgeBase, tmp_path: Path) -> None:
    kb.import_jsonl(_write_jsonl(tmp_path / "a.jsonl", DOCS))
    assert kb.search("is it the?", 5) == []
    assert kb.search("coffee", 0) == []
    kb.close()
