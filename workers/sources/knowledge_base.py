"""The local knowledge base: documents in one SQLite file, searched with FTS5 and BM25.

Layout: a ``documents`` table keyed by the caller's document id, and an external-content
FTS5 index over title and text kept in step by triggers, so an upsert (``INSERT ... ON
CONFLICT DO UPDATE``) re-indexes the document in the same transaction. The database runs
in WAL mode: worker processes keep reading while ``claimcheck kb import`` writes.

Claim text never reaches FTS5 as syntax: :func:`build_match_query` keeps only word
tokens, drops stop words and quotes each token, then ORs them together.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.errors import InputError, PermanentSourceError, TransientSourceError
from workers.sources.base import Passage
from workers.tokens import content_words, unique

log = logging.getLogger(__name__)

SOURCE_NAME = "knowledge_base"
MAX_QUERY_TOKENS = 32
_IMPORT_CHUNK = 1000
_BUSY_TIMEOUT_S = 5.0
_TITLE_WEIGHT = 2.0
_TEXT_WEIGHT = 1.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    url TEXT,
    text TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(
    title, text,
    content='documents', content_rowid='rowid',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS documents_ai AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
END;
CREATE TRIGGER IF NOT EXISTS documents_ad AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts(documents_fts, rowid, title, text)
    VALUES ('delete', old.rowid, old.title, old.text);
END;
CREATE TRIGGER IF NOT EXISTS documents_au AFTER UPDATE ON documents BEGIN
    INSERT INTO documents_fts(documents_fts, rowid, title, text)
    VALUES ('delete', old.rowid, old.title, old.text);
    INSERT INTO documents_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
END;
"""

_UPSERT = """
INSERT INTO documents (id, title, url, text) VALUES (?, ?, ?, ?)
ON CONFLICT(id) DO UPDATE SET title = excluded.title, url = excluded.url, text = excluded.text
WHERE documents.title IS NOT excluded.title OR documents.url IS NOT excluded.url
   OR documents.text IS NOT excluded.text
"""

_SEARCH = f"""
SELECT d.id, d.title, d.url, d.text, bm25(documents_fts, {_TITLE_WEIGHT}, {_TEXT_WEIGHT}) AS rank
FROM documents_fts JOIN documents AS d ON d.rowid = documents_fts.rowid
WHERE documents_fts MATCH ?
ORDER BY rank
LIMIT ?
"""


def starter_corpus_path() -> Path:
    """The starter corpus shipped with the package (facts for the seed article and more)."""
    return Path(__file__).resolve().parent / "data" / "starter_kb.jsonl"


def build_match_query(text: str, *, max_tokens: int = MAX_QUERY_TOKENS) -> str | None:
    """An FTS5 MATCH expression for arbitrary text, or None when it has no content words.

    Each token is a double-quoted FTS5 string (quotes doubled, although word tokens never
    contain any), so operators such as ``NEAR``, ``AND``, ``*``, ``:`` or ``^`` in the
    claim are searched as plain words, never interpreted.
    """
    tokens = unique(t for t in content_words(text) if len(t) > 1)[:max_tokens]
    if not tokens:
        return None
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in tokens)


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    text: str
    url: str | None = None


class KnowledgeBase:
    """A persistent full-text index of reference documents; implements ``Source``.

    One instance holds one SQLite connection guarded by a lock, so it may be shared by the
    threads of one process. Create it in the process that uses it (after fork).
    """

    name = SOURCE_NAME

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            str(self.path), timeout=_BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None
        )
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(_SCHEMA)

    # --- writing -----------------------------------------------------------------------

    def import_jsonl(self, path: Path | str) -> int:
        """Upsert every row of a JSONL file ``{"id","title","text","url"?}``; all or nothing.

        Returns the number of rows read. A malformed row aborts the whole import with an
        :class:`InputError` that names the file and line.
        """
        source = Path(path)
        try:
            handle = source.open(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read {source}: {exc.strerror or exc}") from exc
        with handle, self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                count = 0
                chunk: list[tuple[str, str, str | None, str]] = []
                for doc in _read_documents(handle, source):
                    chunk.append((doc.id, doc.title, doc.url, doc.text))
                    if len(chunk) >= _IMPORT_CHUNK:
                        self._conn.executemany(_UPSERT, chunk)
                        count += len(chunk)
                        chunk.clear()
                if chunk:
                    self._conn.executemany(_UPSERT, chunk)
                    count += len(chunk)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        log.info("imported %d documents from %s into %s", count, source, self.path)
        return count

    # --- reading -----------------------------------------------------------------------

    def search(self, claim: str, limit: int) -> list[Passage]:
        """The ``limit`` best documents for ``claim`` by BM25 (title weighted double)."""
        query = build_match_query(claim)
        if query is None or limit <= 0:
            return []
        try:
            with self._lock:
                rows = self._conn.execute(_SEARCH, (query, limit)).fetchall()
        except sqlite3.OperationalError as exc:
            message = str(exc).lower()
            if "locked" in message or "busy" in message or "unable to open" in message:
                raise TransientSourceError(self.name, f"database busy: {exc}") from exc
            raise PermanentSourceError(self.name, f"query failed: {exc}") from exc
        except sqlite3.Error as exc:
            raise PermanentSourceError(self.name, f"query failed: {exc}") from exc
        return [
            Passage(
                source=self.name,
                doc_id=doc_id,
                title=title,
                url=url,
                text=text,
                score=_normalise_bm25(rank),
            )
            for doc_id, title, url, text, rank in rows
        ]

    def count(self) -> int:
        with self._lock:
            (n,) = self._conn.execute("SELECT count(*) FROM documents").fetchone()
        return int(n)

    def get(self, doc_id: str) -> Document | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT id, title, text, url FROM documents WHERE id = ?", (doc_id,)
            ).fetchone()
        return Document(*row) if row else None

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _normalise_bm25(rank: float) -> float:
    """Map SQLite's BM25 (negative, lower is better) onto [0, 1), higher is better."""
    strength = max(0.0, -float(rank))
    return strength / (1.0 + strength)


def _read_documents(handle: Any, source: Path) -> Iterator[Document]:
    for lineno, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        yield parse_document(line, where=f"{source}:{lineno}")


def parse_document(line: str, *, where: str) -> Document:
    """Validate one JSONL row; errors say ``where`` (file:line) and what is wrong."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: not valid JSON ({exc.msg})") from None
    if not isinstance(row, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(row).__name__}")
    doc_id = row.get("id")
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id.strip():
        raise InputError(f"{where}: 'id' must be a non-empty string", field="id")
    fields: dict[str, str] = {}
    for name in ("title", "text"):
        value = row.get(name)
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{where}: '{name}' must be a non-empty string", field=name)
        fields[name] = value.strip()
    url = row.get("url")
    if url is not None and not isinstance(url, str):
        raise InputError(f"{where}: 'url' must be a string or null", field="url")
    return Document(id=doc_id, title=fields["title"], text=fields["text"], url=url or None)
