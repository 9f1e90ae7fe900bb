"""The SQLite archive: idempotent imports, re-embedding of changed claims, look-ups."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from shared.errors import InputError, PermanentSourceError, TransientSourceError
from tests.workers.sources.factchecks.conftest import ARCHIVE_ROWS, CountingEmbedder, write_jsonl
from workers.sources.factchecks.archive import FactCheckArchive, _source_error, embedding_text
from workers.sources.factchecks.embedding import OnnxEmbedder

ArchiveFactory = Callable[..., FactCheckArchive]


def test_import_is_idempotent_and_embeds_only_changes(
    tmp_path: Path, embedder: OnnxEmbedder
) -> None:
    counting = CountingEmbedder(embedder)
    src = write_jsonl(tmp_path / "rows.jsonl", ARCHIVE_ROWS)
    with FactCheckArchive(tmp_path / "a.sqlite3") as archive:
        first = archive.import_file(src, counting)
        assert (first.read, first.changed, first.embedded) == (8, 8, 8)
        version = archive.version()
        again = archive.import_file(src, counting)
        assert (again.read, again.changed, again.embedded) == (8, 0, 0)
        assert archive.version() == version  # nothing changed: matchers keep their vectors
        assert len(counting.texts) == 8

        rows = [dict(r) for r in ARCHIVE_ROWS]
        rows[0]["rating"] = "False"  # a new rating: no new embedding needed
        rows[1]["claim"] = "Wind power employs more Americans than coal mines do."
        rows.append({"id": "new", "claim": "A brand new claim.", "rating": "True"})
        changed = archive.import_file(write_jsonl(tmp_path / "v2.jsonl", rows), counting)
        assert (changed.read, changed.changed, changed.embedded) == (9, 3, 2)
        assert counting.texts[8:] == [
            "Wind power employs more Americans than coal mines do.",
            "A brand new claim.",
        ]
        assert archive.version() > version
        assert archive.count() == 9
        fc = archive.get("pf:windmills")
        assert fc is not None and (fc.rating, fc.label) == ("False", "refuted")


def test_a_bad_row_imports_nothing(tmp_path: Path, embedder: OnnxEmbedder) -> None:
    rows = [*ARCHIVE_ROWS[:3], {"id": "broken"}]
    with FactCheckArchive(tmp_path / "a.sqlite3") as archive:
        with pytest.raises(InputError, match=r"rows\.jsonl:4: 'claim'"):
            archive.import_file(write_jsonl(tmp_path / "rows.jsonl", rows), embedder)
        assert archive.count() == 0
        assert archive.version() == 0


def test_vectors_are_the_models_embeddings(
    archive_factory: ArchiveFactory, embedder: OnnxEmbedder
) -> None:
    archive = archive_factory(embedder=embedder)
    vectors = archive.vectors(embedder.model_id, embedder.dimension)
    assert vectors.matrix.shape == (8, embedder.dimension)
    assert vectors.rowids.tolist() == sorted(vectors.rowids.tolist())
    first = archive.get_many([int(vectors.rowids[0])])[int(vectors.rowids[0])]
    expected = embedder.embed([embedding_text(first.claim, first.title)])[0]
    assert np.allclose(vectors.matrix[0], expected, atol=1e-5)
    assert archive.vectors("another-model", embedder.dimension).matrix.shape == (0, 384)
    assert archive.missing_embeddings("another-model") == 8


def test_import_without_embedder_leaves_rows_unembedded(archive_factory: ArchiveFactory) -> None:
    archive = archive_factory(embedder=None)
    assert archive.count() == 8
    assert archive.missing_embeddings("any") == 8


def test_lexical_search_ignores_query_syntax(
    archive_factory: ArchiveFactory, embedder: OnnxEmbedder
) -> None:
    archive = archive_factory(embedder=embedder)
    hits = archive.lexical('windmills NEAR "cancer" OR * :', 3)
    assert hits and archive.get_many([hits[0][0]])[hits[0][0]].id == "pf:windmills"
    assert all(score > 0 for _, score in hits)
    assert archive.lexical("the of and", 3) == []


def test_embedding_text_adds_a_different_headline() -> None:
    assert embedding_text("A  claim.", "A headline") == "A claim. A headline"
    assert embedding_text("Same text", "same  TEXT") == "Same text"
    assert embedding_text("Claim", None) == "Claim"


def test_rows_keep_every_field(archive_factory: ArchiveFactory, tmp_path: Path) -> None:
    row = {
        "id": "x",
        "claim": "C.",
        "rating": "Mostly False",
        "url": "https://e.org/x",
        "publisher": "P",
        "date": "2020-01-02T03:04:05Z",
        "title": "T",
        "claimant": "Someone",
        "language": "en",
    }
    archive = archive_factory(rows=[row])
    fc = archive.get("x")
    assert fc is not None
    assert json.loads(json.dumps(fc.__dict__)) == {
        "id": "x",
        "claim": "C.",
        "rating": "Mostly False",
        "label": "refuted",
        "url": "https://e.org/x",
        "publisher": "P",
        "published": "2020-01-02",
        "title": "T",
        "claimant": "Someone",
        "language": "en",
    }


def test_a_file_that_is_not_an_archive_is_a_permanent_error(tmp_path: Path) -> None:
    path = tmp_path / "not.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(PermanentSourceError, match="factchecks: archive failed"):
        FactCheckArchive(path)


def test_sqlite_errors_become_source_errors() -> None:
    busy = _source_error(sqlite3.OperationalError("database is locked"))
    assert isinstance(busy, TransientSourceError)
    broken = _source_error(sqlite3.DatabaseError("database disk image is malformed"))
    assert isinstance(broken, PermanentSourceError)
