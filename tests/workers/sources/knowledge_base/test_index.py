from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from shared.errors import InputError
from workers.sources.factchecks.embedding import OnnxEmbedder
from workers.sources.knowledge_base.index import KnowledgeBase, SearchConfig, build_match_query


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
    assert kb.import_jsonl(_write_jsonl(tmp_path / "docs.jsonl", DOCS)).read == 3
    assert kb.count() == 3
    hits = kb.search("How are coffee beans brewed?", 5)
    assert hits[0].doc_id == "coffee"
    assert hits[0].source == "knowledge_base"
    assert all(0 <= h.score <= 1 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert kb.search("coffee", 1)[0].title == "Coffee"
    assert len(kb.search("brewed", 1)) == 1
    kb.close()


def test_upsert_by_id_replaces_text_and_index(kb: KnowledgeBase, tmp_path: Path) -> None:
    kb.import_jsonl(_write_jsonl(tmp_path / "a.jsonl", DOCS))
    changed = [{"id": "tea", "title": "Tea", "text": "Matcha is powdered green tea.", "url": "u"}]
    assert kb.import_jsonl(_write_jsonl(tmp_path / "b.jsonl", changed)).read == 1
    assert kb.count() == 3
    doc = kb.get("tea")
    assert doc is not None and doc.text == "Matcha is powdered green tea." and doc.url == "u"
    assert kb.search("Camellia sinensis leaves", 5) == []  # old text left the index
    assert kb.search("matcha", 5)[0].doc_id == "tea"
    kb.close()


def test_an_import_names_the_documents_it_changed_and_hits_carry_their_hash(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    first = kb.import_jsonl(_write_jsonl(tmp_path / "a.jsonl", DOCS))
    assert first.updated == ()  # new documents are not changes
    hit = kb.search("coffee beans", 1)[0]
    assert hit.doc_id == "coffee" and hit.doc_hash
    same = kb.import_jsonl(_write_jsonl(tmp_path / "b.jsonl", DOCS))
    assert same.updated == ()  # the same text again: nothing changed
    rows = [
        DOCS[0],
        {"id": "coffee", "title": "Coffee", "text": "Coffee is brewed from green beans."},
    ]
    again = kb.import_jsonl(_write_jsonl(tmp_path / "c.jsonl", rows))
    assert again.updated == ("coffee",)
    changed = kb.search("coffee green beans", 1)[0]
    assert changed.doc_id == "coffee" and changed.doc_hash not in ("", hit.doc_hash)
    assert kb.remove(["rain", "nope"]) == ["rain"]
    assert kb.count() == 2 and kb.search("clouds", 5) == []
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
        ('{"id": "a", "title": "t", "text": "Da Nang \\ud800 Vietnam"}', "'text' holds a lone"),
        ('{"id": "a", "title": "t", "text": ' + "[" * 3000 + "]" * 3000 + "}", "nested deeper"),
        ('{"id": "a", "title": "t", "text": "caf\udce9"}', "not UTF-8 text"),  # a 0xE9 byte
    ],
)
def test_bad_row_names_line_and_imports_nothing(
    kb: KnowledgeBase, tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    good = json.dumps(DOCS[0])
    path.write_bytes(f"{good}\n\n{line}\n".encode("utf-8", errors="surrogateescape"))
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


LONG = {
    "id": "apec",
    "title": "APEC 2017",
    "url": "https://example.org/apec",
    "text": (
        "The 2017 APEC summit was held in Da Nang, Vietnam.\n\n"
        "Presidents Trump and Putin had a short conversation on the morning of "
        "Saturday 11 November 2017.  They agreed a joint statement on Syria. "
        "Dr. Peskov spoke to reporters afterwards."
    ),
}


def test_documents_are_split_once_into_sentences_with_offsets(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    stats = kb.import_jsonl(_write_jsonl(tmp_path / "a.jsonl", [*DOCS, LONG]))
    assert (stats.read, stats.changed, stats.sentences) == (4, 4, 7)
    assert kb.sentence_count() == 7
    hits = kb.search("Trump and Putin short conversation Saturday morning", 3)
    best = hits[0]
    assert best.doc_id == "apec" and best.url == "https://example.org/apec"
    assert best.text == (
        "Presidents Trump and Putin had a short conversation on the morning of "
        "Saturday 11 November 2017."
    )
    assert best.start is not None and best.end is not None
    assert " ".join(LONG["text"][best.start : best.end].split()) == best.text
    assert best.context_before == "The 2017 APEC summit was held in Da Nang, Vietnam."
    assert best.context_after == "They agreed a joint statement on Syria."
    # unchanged: nothing is split or embedded again
    again = kb.import_jsonl(_write_jsonl(tmp_path / "b.jsonl", [*DOCS, LONG]))
    assert (again.changed, again.sentences, again.embedded) == (0, 0, 0)


def test_documents_over_the_size_cap_are_refused(tmp_path: Path) -> None:
    small = KnowledgeBase(tmp_path / "kb.sqlite3", max_document_chars=100)
    big = {"id": "big", "title": "Big", "text": "The summit was in Da Nang. " * 10}
    path = _write_jsonl(tmp_path / "a.jsonl", [DOCS[0], big])
    with pytest.raises(InputError, match=r"a\.jsonl:2: 'text' is 269 characters"):
        small.import_jsonl(path)
    assert small.count() == 0
    small.close()


def test_a_file_from_before_sentences_is_split_on_the_next_import(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE documents (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
        "title TEXT NOT NULL, url TEXT, text TEXT NOT NULL);"
        "INSERT INTO documents (id, title, text) VALUES ('rain', 'Rain', "
        "'Rain is water falling from clouds. Snow is frozen rain.');"
    )
    conn.commit()
    conn.close()
    with KnowledgeBase(path) as kb:
        stats = kb.import_jsonl(_write_jsonl(tmp_path / "a.jsonl", DOCS[:1]))
        assert (stats.changed, stats.sentences) == (2, 3)
        assert kb.search("frozen snow", 1)[0].text == "Snow is frozen rain."


class _CountingEmbedder:
    """The real embedding model, counting the texts it embeds."""

    def __init__(self, model: OnnxEmbedder) -> None:
        self.model = model
        self.model_id = model.model_id
        self.dimension = model.dimension
        self.embedded: list[str] = []

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.embedded += texts
        return self.model.embed(texts)


@pytest.fixture(scope="module")
def embedding_model() -> OnnxEmbedder:
    return OnnxEmbedder()


def test_reimporting_a_changed_document_embeds_only_its_changed_sentences(
    tmp_path: Path, embedding_model: OnnxEmbedder
) -> None:
    embedder = _CountingEmbedder(embedding_model)
    with KnowledgeBase(tmp_path / "kb.sqlite3", embedder=embedder) as kb:
        first = kb.import_jsonl(_write_jsonl(tmp_path / "a.jsonl", [*DOCS, LONG]))
        assert first.embedded == 7 and len(embedder.embedded) == 7
        embedder.embedded.clear()
        edited = dict(LONG, text=str(LONG["text"]).replace("on Syria", "on the Syrian war"))
        second = kb.import_jsonl(_write_jsonl(tmp_path / "b.jsonl", [edited]))
        assert (second.changed, second.sentences, second.embedded) == (1, 4, 1)
        assert embedder.embedded == ["They agreed a joint statement on the Syrian war."]


def test_dense_retrieval_finds_a_paraphrase_without_shared_words(
    tmp_path: Path, embedding_model: OnnxEmbedder
) -> None:
    docs = [
        *DOCS,
        {"id": "car", "title": "Vehicles", "text": "Automobiles burn petrol in engines."},
    ]
    for in_memory_max in (50_000, 0):  # every vector scanned, or lexical candidates only
        path = tmp_path / f"kb{in_memory_max}.sqlite3"
        config = SearchConfig(dense_in_memory_max=in_memory_max)
        with KnowledgeBase(path, embedder=embedding_model, config=config) as kb:
            kb.import_jsonl(_write_jsonl(tmp_path / "a.jsonl", docs))
            hits = kb.search("cars run on gasoline", 2)
            if in_memory_max:
                assert hits[0].doc_id == "car"  # no word in common: found by its embedding
                assert hits[0].similarity is not None and hits[0].similarity > 0.3
            else:
                assert [h.doc_id for h in hits] == []  # nothing lexical to start from
            lexical = kb.search("coffee beans", 1)[0]
            assert lexical.doc_id == "coffee" and lexical.similarity is not None


def test_over_the_threshold_the_ann_index_searches_every_vector(
    tmp_path: Path, embedding_model: OnnxEmbedder
) -> None:
    docs = [
        *DOCS,
        {"id": "car", "title": "Vehicles", "text": "Automobiles burn petrol in engines."},
    ]
    path = tmp_path / "kb.sqlite3"
    config = SearchConfig(dense_in_memory_max=0)
    with KnowledgeBase(path, embedder=embedding_model, config=config) as kb:
        kb.import_jsonl(_write_jsonl(tmp_path / "a.jsonl", docs))
        assert kb.needs_ann_index()
        assert kb.search("cars run on gasoline", 2) == []  # no index yet: lexical only
        meta = kb.build_ann_index()
        assert meta.count == kb.sentence_count() == 4
        assert (tmp_path / "kb.sqlite3.ann").is_file()
        hits = kb.search("cars run on gasoline", 2)
        assert hits[0].doc_id == "car" and hits[0].similarity is not None
        assert hits[0].similarity > 0.3
    # another process opens the saved index; an import makes it stale until rebuilt
    with KnowledgeBase(path, embedder=embedding_model, config=config) as kb:
        assert kb.search("cars run on gasoline", 1)[0].doc_id == "car"
        tea = {"id": "tea", "title": "Tea", "text": "Tea is hot."}
        kb.import_jsonl(_write_jsonl(tmp_path / "b.jsonl", [tea]))
        assert kb.search("cars run on gasoline", 2) == []
        kb.build_ann_index()
        assert kb.search("cars run on gasoline", 1)[0].doc_id == "car"


def test_usearch_then_onnxruntime_import_without_crashing() -> None:
    # usearch 2.26 (numkong) loaded before onnxruntime killed the process with SIGSEGV
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "import usearch.index, onnxruntime; print('ok')"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-500:]
