"""The knowledge base records each change an import or removal makes in that same
transaction (``kb_changes``), each with an id of its own, until ``forget_changes``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.errors import InputError
from workers.sources.knowledge_base.documents import Document
from workers.sources.knowledge_base.index import KnowledgeBase


def _jsonl(path: Path, texts: dict[str, str]) -> Path:
    rows = [{"id": doc_id, "title": doc_id, "text": text} for doc_id, text in texts.items()]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def kb(tmp_path: Path) -> Iterator[KnowledgeBase]:
    base = KnowledgeBase(tmp_path / "kb.sqlite3")
    base.record_changes = True
    yield base
    base.close()


def test_an_import_and_a_removal_record_their_changes(kb: KnowledgeBase, tmp_path: Path) -> None:
    kb.import_jsonl(_jsonl(tmp_path / "a.jsonl", {"tea": "Tea is green.", "rain": "Rain falls."}))
    assert kb.pending_changes().changes == {}  # new documents are no changes
    kb.import_jsonl(_jsonl(tmp_path / "b.jsonl", {"tea": "Tea is black.", "rain": "Rain falls."}))
    assert list(kb.pending_changes().changes) == ["tea"]  # the same text again is none
    assert kb.remove(["rain", "nope"]) == ["rain"]
    recorded = kb.pending_changes()
    assert list(recorded.changes) == ["tea", "rain"]
    assert len(set(recorded.changes.values())) == 2
    kb.forget_changes(recorded.last)
    assert kb.pending_changes().changes == {}


def test_an_import_that_fails_records_nothing(kb: KnowledgeBase, tmp_path: Path) -> None:
    kb.import_jsonl(_jsonl(tmp_path / "a.jsonl", {"tea": "Tea is green."}))
    changed = _jsonl(tmp_path / "b.jsonl", {"tea": "Tea is black."})
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "title": "no text"}\n', encoding="utf-8")
    with pytest.raises(InputError):
        kb.import_files([changed, bad])
    assert kb.pending_changes().changes == {}
    doc = kb.get("tea")
    assert doc is not None and doc.text == "Tea is green."


def test_each_change_has_its_own_id_even_back_to_an_earlier_text(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    """X → Y → X → Y is three changes: the last is not the first one again."""
    ids: list[str] = []
    for step, text in enumerate(
        ["Tea is green.", "Tea is black.", "Tea is green.", "Tea is black."]
    ):
        kb.import_jsonl(_jsonl(tmp_path / f"{step}.jsonl", {"tea": text}))
        recorded = kb.pending_changes()
        ids += recorded.changes.values()
        kb.forget_changes(recorded.last)
    assert len(ids) == 3 and len(set(ids)) == 3


def test_a_dump_batch_records_its_changes_and_a_later_change_moves_to_the_end(
    kb: KnowledgeBase,
) -> None:
    kb.import_batch([Document("a", "A", "Alpha one."), Document("b", "B", "Beta one.")], {})
    kb.import_batch([Document("a", "A", "Alpha two."), Document("b", "B", "Beta two.")], {})
    first = kb.pending_changes().changes
    kb.import_batch([Document("a", "A", "Alpha three.")], {})
    latest = kb.pending_changes().changes
    assert list(latest) == ["b", "a"] and latest["b"] == first["b"]
    assert latest["a"] != first["a"]


def test_pending_changes_come_a_chunk_at_a_time(kb: KnowledgeBase, tmp_path: Path) -> None:
    texts = {f"d{i}": f"Document {i} says one thing." for i in range(5)}
    kb.import_jsonl(_jsonl(tmp_path / "a.jsonl", texts))
    kb.import_jsonl(_jsonl(tmp_path / "b.jsonl", {k: v + " And more." for k, v in texts.items()}))
    seen: list[str] = []
    while (recorded := kb.pending_changes(limit=2)).changes:
        assert len(recorded.changes) <= 2
        seen += recorded.changes
        kb.forget_changes(recorded.last)
    assert seen == list(texts)


def test_a_base_that_does_not_record_changes_keeps_none(tmp_path: Path) -> None:
    with KnowledgeBase(tmp_path / "kb.sqlite3") as kb:
        kb.import_jsonl(_jsonl(tmp_path / "a.jsonl", {"tea": "Tea is green."}))
        assert kb.import_jsonl(_jsonl(tmp_path / "b.jsonl", {"tea": "Tea is black."})).updated
        kb.remove(["tea"])
        assert kb.pending_changes().changes == {}


def test_a_late_forget_never_forgets_a_newer_change(kb: KnowledgeBase, tmp_path: Path) -> None:
    """Two commands read the same changes; the second forgets them after a new import
    recorded another: row numbers are never used twice, so the new change stays."""
    kb.import_jsonl(_jsonl(tmp_path / "a.jsonl", {"tea": "Tea is green.", "rain": "Rain."}))
    kb.import_jsonl(_jsonl(tmp_path / "b.jsonl", {"tea": "Tea is black.", "rain": "Snow."}))
    read_twice = kb.pending_changes()
    kb.forget_changes(read_twice.last)  # the first command
    kb.import_jsonl(_jsonl(tmp_path / "c.jsonl", {"tea": "Tea is white."}))
    kb.forget_changes(read_twice.last)  # the second, late
    assert list(kb.pending_changes().changes) == ["tea"]
