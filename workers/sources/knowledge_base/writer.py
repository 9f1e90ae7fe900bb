"""The knowledge base's writing side: imports (one transaction each), sentence splitting,
embedding, and removal. :class:`~workers.sources.knowledge_base.index.KnowledgeBase` inherits it;
see that module for the file's layout.

With :attr:`KbWriter.record_changes` (``CLAIMCHECK_RECHECK_ON_CHANGE``), each document an
import changed (same id, other text) or a removal deleted is also written to
``kb_changes`` with a change id of its own (:func:`shared.newsroom.rechecks.new_change_id`), in the
same transaction: the changes a commit made are never lost, whatever happens to the
process or to Redis after it. ``claimcheck kb`` hands them to
:class:`shared.newsroom.rechecks.Rechecker` and then :meth:`KbWriter.forget_changes` them.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from shared.errors import ClaimcheckError
from shared.jsonl import open_jsonl
from shared.newsroom.rechecks import new_change_id
from workers.sources.base import Embedder
from workers.sources.knowledge_base.documents import (
    Document,
    ImportStats,
    digest,
    read_documents,
    whole_text,
)
from workers.verification.sentences import collapse, sentence_spans

log = logging.getLogger("workers.sources.knowledge_base.index")

_IMPORT_CHUNK = 1000
_CHANGES_CHUNK = 5000
_EMBED_CHUNK = 256
_UPSERT = """
INSERT INTO documents (id, title, url, text) VALUES (?, ?, ?, ?)
ON CONFLICT(id) DO UPDATE SET title = excluded.title, url = excluded.url, text = excluded.text
WHERE documents.title IS NOT excluded.title OR documents.url IS NOT excluded.url
   OR documents.text IS NOT excluded.text
"""
_CHANGES_TABLE = """
CREATE TABLE IF NOT EXISTS kb_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL, change_id TEXT NOT NULL
)
"""
"""Changes whose citing claims are still to be re-checked (created by the first write that
records one, so that opening a file never writes). ``AUTOINCREMENT``: a row number is never
used twice, so forgetting the rows up to one read earlier never forgets a newer change."""


@dataclass(frozen=True)
class PendingChanges:
    """The changes ``kb_changes`` holds: each document's latest change id, in the order
    they were made, and the last row read (what :meth:`KbWriter.forget_changes` ends)."""

    changes: dict[str, str]
    last: int


class KnowledgeBaseLocked(ClaimcheckError):
    """Another process (an import, a removal) held the file's write lock for longer than
    this one waits (``lock_timeout_s``); this one changed nothing."""


def is_lock_error(exc: sqlite3.Error) -> bool:
    """SQLite's "database is locked" (or busy): another connection holds the write lock."""
    message = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in message or "busy" in message)


class KbWriter:
    """Imports into, and removal from, one open knowledge-base file.

    One process writes at a time: a writer waits up to ``lock_timeout_s`` (SQLite's busy
    timeout) for another's transaction to end, then raises :class:`KnowledgeBaseLocked`.
    """

    path: Path
    embedder: Embedder | None
    max_document_chars: int
    lock_timeout_s: float
    on_wait: Callable[[str], None] | None = None
    """Told, in one line, when a write has to wait for another process's (the CLI prints it)."""
    record_changes: bool = False
    """Write each change an import or removal makes to ``kb_changes`` (in its transaction)."""
    _conn: sqlite3.Connection
    _lock: threading.Lock

    # --- writing -----------------------------------------------------------------------

    def locked_error(self) -> KnowledgeBaseLocked:
        return KnowledgeBaseLocked(
            f"the knowledge base {self.path} is locked: another import or removal held it "
            f"for more than {self.lock_timeout_s:g} s; nothing was changed"
        )

    def _begin_write(self) -> None:
        """Start a write transaction; when another process is writing, say so
        (:attr:`on_wait`) and wait up to ``lock_timeout_s`` for it to end."""
        try:
            self._begin_immediate(0.0)
            return
        except sqlite3.OperationalError as exc:
            if not is_lock_error(exc):
                raise
        if self.on_wait is not None:
            self.on_wait(
                f"waiting up to {self.lock_timeout_s:g} s for another import or removal "
                f"writing to the knowledge base {self.path}"
            )
        try:
            self._begin_immediate(self.lock_timeout_s)
        except sqlite3.OperationalError as exc:
            if is_lock_error(exc):
                raise self.locked_error() from exc
            raise

    def _begin_immediate(self, wait_s: float) -> None:
        self._conn.execute(f"PRAGMA busy_timeout = {round(wait_s * 1000)}")
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        finally:
            self._conn.execute(f"PRAGMA busy_timeout = {round(self.lock_timeout_s * 1000)}")

    @contextmanager
    def _write_transaction(self) -> Iterator[None]:
        """One write transaction under the process lock: committed when the block ends,
        rolled back when it raises (anything, an interrupt included)."""
        with self._lock:
            self._begin_write()
            try:
                yield
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def _bump_version(self) -> None:
        """Tell searching processes the base changed (they reload vectors and the index)."""
        self._conn.execute("UPDATE kb_meta SET value = value + 1 WHERE key = 'version'")

    def import_jsonl(self, path: Path | str) -> ImportStats:
        """Upsert every row of a JSONL file ``{"id","title","text","url"?}``; all or nothing.

        A malformed row aborts the whole import with an :class:`InputError` that names the
        file and line. Documents imported before sentences existed are split too.
        """
        (stats,) = self.import_files([path])
        return stats

    def import_files(self, paths: Sequence[Path | str]) -> list[ImportStats]:
        """:meth:`import_jsonl` of several files in one transaction: a bad row in any of
        them leaves the base as it was. One :class:`ImportStats` per file, in order."""
        sources = [Path(p) for p in paths]
        with self._write_transaction():
            done: list[ImportStats] = []
            for source in sources:
                with open_jsonl(source) as handle:
                    done.append(self._import(handle, source))
            if any(stats.changed or stats.embedded for stats in done):
                self._bump_version()
        for source, stats in zip(sources, done, strict=True):
            log.info("%s: %s into %s", source, stats, self.path)
        return done

    def import_batch(self, docs: Sequence[Document], meta: Mapping[str, int]) -> ImportStats:
        """Upsert ``docs`` and set ``kb_meta``'s ``meta`` keys in a transaction of their own."""
        with self._write_transaction():
            (last,) = self._conn.execute("SELECT max(rowid) FROM sentences").fetchone()
            changed, sentences, updated = self._write_chunk(docs) if docs else (0, 0, [])
            self._record(updated)
            embedded = self._embed_missing(last or 0) if self.embedder is not None else 0
            self._conn.executemany("INSERT OR REPLACE INTO kb_meta VALUES (?, ?)", meta.items())
            if changed or embedded:
                self._bump_version()
        return ImportStats(len(docs), changed, sentences, embedded, tuple(updated))

    def meta(self, key: str) -> int | None:
        """A ``kb_meta`` value (such as an import's resume marker); None when unset."""
        with self._lock:
            row = self._conn.execute("SELECT value FROM kb_meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else int(row[0])

    def _import(self, handle: IO[str], source: Path) -> ImportStats:
        read = changed = sentences = 0
        updated: list[str] = []
        chunk: list[Document] = []
        for doc in read_documents(handle, source, self.max_document_chars):
            chunk.append(doc)
            if len(chunk) >= _IMPORT_CHUNK:
                n, s, u = self._write_chunk(chunk)
                read, changed, sentences = read + len(chunk), changed + n, sentences + s
                updated += u
                chunk.clear()
        if chunk:
            n, s, u = self._write_chunk(chunk)
            read, changed, sentences = read + len(chunk), changed + n, sentences + s
            updated += u
        self._record(updated)
        n, s = self._split_unindexed()  # documents from a file made before sentences
        changed, sentences = changed + n, sentences + s
        embedded = self._embed_missing() if self.embedder is not None else 0
        return ImportStats(read, changed, sentences, embedded, tuple(updated))

    def _write_chunk(self, chunk: Sequence[Document]) -> tuple[int, int, list[str]]:
        """Upsert documents; split those whose text changed. -> (documents, sentences, ids of
        the documents that were there before with other text)."""
        marks = ",".join("?" * len(chunk))
        ids = [d.id for d in chunk]
        before = dict(
            self._conn.execute(
                f"SELECT id, sentences_hash FROM documents WHERE id IN ({marks})", ids
            ).fetchall()
        )
        self._conn.executemany(_UPSERT, [(d.id, d.title, d.url, d.text) for d in chunk])
        rows = self._conn.execute(
            f"SELECT rowid, id, text, sentences_hash FROM documents WHERE id IN ({marks})", ids
        ).fetchall()
        stale = [
            (rowid, doc_id, text) for rowid, doc_id, text, done in rows if done != digest(text)
        ]
        updated = [doc_id for _, doc_id, _ in stale if before.get(doc_id) is not None]
        n, s = self._split([(rowid, text) for rowid, _, text in stale])
        return n, s, updated

    def _record(self, doc_ids: Sequence[str]) -> None:
        """Record changes of these documents (inside the caller's write transaction)."""
        if not (self.record_changes and doc_ids):
            return
        self._conn.execute(_CHANGES_TABLE)
        self._conn.executemany(
            "INSERT INTO kb_changes (doc_id, change_id) VALUES (?, ?)",
            [(doc_id, new_change_id()) for doc_id in doc_ids],
        )

    def pending_changes(self, limit: int = _CHANGES_CHUNK) -> PendingChanges:
        """The first ``limit`` recorded changes not yet forgotten (none from a file that never
        recorded one)."""
        with self._lock:
            if not self._has_changes_table():
                return PendingChanges({}, 0)
            rows = self._conn.execute(
                "SELECT seq, doc_id, change_id FROM kb_changes ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        changes: dict[str, str] = {}
        for _, doc_id, change_id in rows:
            changes.pop(doc_id, None)  # a later change moves the document to its place
            changes[doc_id] = change_id
        return PendingChanges(changes, rows[-1][0] if rows else 0)

    def forget_changes(self, last: int) -> None:
        """Delete the recorded changes up to row ``last`` (Redis holds them now)."""
        if last <= 0:
            return
        with self._write_transaction():
            self._conn.execute("DELETE FROM kb_changes WHERE seq <= ?", (last,))

    def _has_changes_table(self) -> bool:
        return (
            self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kb_changes'"
            ).fetchone()
            is not None
        )

    def remove(self, ids: Sequence[str]) -> list[str]:
        """Delete these documents (and their sentences); the ids that were there."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        with self._write_transaction():
            found = [
                r[0]
                for r in self._conn.execute(
                    f"SELECT id FROM documents WHERE id IN ({marks})", list(ids)
                ).fetchall()
            ]
            self._conn.execute(f"DELETE FROM documents WHERE id IN ({marks})", list(ids))
            self._record(found)
            if found:
                self._bump_version()
        return found

    def _split_unindexed(self) -> tuple[int, int]:
        rows = self._conn.execute(
            "SELECT rowid, text FROM documents WHERE sentences_hash IS NULL"
        ).fetchall()
        return self._split(rows)

    def _split(self, rows: Sequence[tuple[int, str]]) -> tuple[int, int]:
        written = 0
        for rowid, text in rows:
            written += self._split_document(rowid, text)
        return len(rows), written

    def _split_document(self, doc_rowid: int, text: str) -> int:
        """Replace a document's sentences; unchanged sentences keep their embedding."""
        kept = {
            text_hash: (blob, model)
            for text_hash, blob, model in self._conn.execute(
                "SELECT text_hash, embedding, embedding_model FROM sentences "
                "WHERE doc_rowid = ? AND embedding IS NOT NULL",
                (doc_rowid,),
            )
        }
        self._conn.execute("DELETE FROM sentences WHERE doc_rowid = ?", (doc_rowid,))
        spans = sentence_spans(text) or whole_text(text)
        rows = []
        for position, (start, end) in enumerate(spans):
            sentence = collapse(text[start:end])
            text_hash = digest(sentence)
            blob, model = kept.get(text_hash, (None, None))
            rows.append((doc_rowid, position, start, end, sentence, text_hash, blob, model))
        self._conn.executemany(
            'INSERT INTO sentences (doc_rowid, position, start, "end", text, text_hash, '
            "embedding, embedding_model) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self._conn.execute(
            "UPDATE documents SET sentences_hash = ? WHERE rowid = ?", (digest(text), doc_rowid)
        )
        return len(rows)

    def _embed_missing(self, last: int = 0) -> int:
        embedder = self.embedder
        assert embedder is not None
        done = 0
        while True:
            rows = self._conn.execute(
                "SELECT rowid, text FROM sentences WHERE rowid > ? AND "
                "(embedding IS NULL OR embedding_model IS NOT ?) ORDER BY rowid LIMIT ?",
                (last, embedder.model_id, _EMBED_CHUNK),
            ).fetchall()
            if not rows:
                return done
            vectors = embedder.embed([text for _, text in rows])
            self._conn.executemany(
                "UPDATE sentences SET embedding = ?, embedding_model = ? WHERE rowid = ?",
                [
                    (vectors[i].astype("<f2").tobytes(), embedder.model_id, rowid)
                    for i, (rowid, _) in enumerate(rows)
                ],
            )
            done += len(rows)
            last = rows[-1][0]
            if done % (_EMBED_CHUNK * 40) == 0:
                log.info("embedded %d sentences", done)
