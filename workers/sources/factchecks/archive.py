"""The fact-check archive: one SQLite file with an FTS5 index and stored embeddings.

Layout: ``factchecks`` (one row per fact-check, keyed by its id, with the claim's
embedding as little-endian float32 bytes and the id of the model that made it), an
external-content FTS5 index over claim, headline and claimant kept in step by triggers,
and ``meta`` (a ``version`` counter bumped by every import that changed something, so
long-running matchers know to reload their vectors). WAL mode: workers keep reading while
``claimcheck factchecks import`` writes.

Imports are idempotent by id and all-or-nothing: an upsert changes a row only when one of
its fields changed, and a changed claim or headline clears its embedding, which the same
import recomputes. One malformed record aborts the whole file (nothing is written).
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from shared.errors import PermanentSourceError, TransientSourceError
from workers.sources.base import Embedder
from workers.sources.factchecks import SOURCE_NAME
from workers.sources.factchecks.formats import FactCheck, read_factchecks
from workers.sources.knowledge_base.index import build_match_query

log = logging.getLogger(__name__)

_BUSY_TIMEOUT_S = 5.0
_CHUNK = 1000
_EMBED_CHUNK = 256
_WORDS = re.compile(r"[^\W_]+")
_WEIGHTS = (1.0, 1.0, 0.5)  # bm25 column weights: claim, title, claimant

_FIELDS = (
    "id",
    "claim",
    "title",
    "rating",
    "label",
    "url",
    "publisher",
    "published",
    "claimant",
    "language",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS factchecks (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    claim TEXT NOT NULL,
    title TEXT,
    rating TEXT,
    label TEXT,
    url TEXT,
    publisher TEXT,
    published TEXT,
    claimant TEXT,
    language TEXT,
    embedding BLOB,
    embedding_model TEXT
);
CREATE VIRTUAL TABLE IF NOT EXISTS factchecks_fts USING fts5(
    claim, title, claimant,
    content='factchecks', content_rowid='rowid',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS factchecks_ai AFTER INSERT ON factchecks BEGIN
    INSERT INTO factchecks_fts(rowid, claim, title, claimant)
    VALUES (new.rowid, new.claim, new.title, new.claimant);
END;
CREATE TRIGGER IF NOT EXISTS factchecks_ad AFTER DELETE ON factchecks BEGIN
    INSERT INTO factchecks_fts(factchecks_fts, rowid, claim, title, claimant)
    VALUES ('delete', old.rowid, old.claim, old.title, old.claimant);
END;
CREATE TRIGGER IF NOT EXISTS factchecks_au AFTER UPDATE OF claim, title, claimant ON factchecks
BEGIN
    INSERT INTO factchecks_fts(factchecks_fts, rowid, claim, title, claimant)
    VALUES ('delete', old.rowid, old.claim, old.title, old.claimant);
    INSERT INTO factchecks_fts(rowid, claim, title, claimant)
    VALUES (new.rowid, new.claim, new.title, new.claimant);
END;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('version', '0');
"""

_CHANGED = " OR ".join(f"factchecks.{f} IS NOT excluded.{f}" for f in _FIELDS[1:])
_UPSERT = f"""
INSERT INTO factchecks ({", ".join(_FIELDS)}) VALUES ({", ".join("?" * len(_FIELDS))})
ON CONFLICT(id) DO UPDATE SET {", ".join(f"{f} = excluded.{f}" for f in _FIELDS[1:])},
    embedding = CASE WHEN factchecks.claim IS NOT excluded.claim
                       OR factchecks.title IS NOT excluded.title
                     THEN NULL ELSE factchecks.embedding END
WHERE {_CHANGED}
"""

_LEXICAL = f"""
SELECT rowid, bm25(factchecks_fts, {", ".join(str(w) for w in _WEIGHTS)}) AS rank
FROM factchecks_fts WHERE factchecks_fts MATCH ? ORDER BY rank LIMIT ?
"""


@dataclass(frozen=True)
class ImportStats:
    read: int
    """Fact-checks in the file."""
    changed: int
    """Rows inserted or updated (an unchanged re-import changes none)."""
    embedded: int
    """Embeddings computed (new or changed claims, or made by another model)."""

    def __str__(self) -> str:
        return (
            f"{self.read} fact-checks read, {self.changed} new or changed, {self.embedded} embedded"
        )


@dataclass(frozen=True)
class Vectors:
    """Every stored embedding of one model: rowids and a (n, dim) float32 matrix."""

    rowids: npt.NDArray[np.int64]
    matrix: npt.NDArray[np.float32]
    version: int
    canonical: dict[int, int] = field(default_factory=dict)
    """Rows that repeat an earlier row (same claim words, publisher and rating) -> that
    earlier row: matches are reported once, as the first-imported record."""


def embedding_text(claim: str, title: str | None) -> str:
    """What is embedded for an archive entry: its claim, then its headline if different."""
    claim = " ".join(claim.split())
    if title and title.strip() and " ".join(title.split()).casefold() != claim.casefold():
        return f"{claim} {' '.join(title.split())}"
    return claim


class FactCheckArchive:
    """Fact-checks in one SQLite file. One connection, guarded by a lock (thread-safe);
    create it in the process that uses it."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            str(self.path), timeout=_BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None
        )
        try:
            with self._guard():
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
                self._conn.executescript(_SCHEMA)
        except BaseException:
            self._conn.close()
            raise

    # --- writing ---------------------------------------------------------------------------

    def import_file(
        self, path: Path, embedder: Embedder | None, *, publisher: str | None = None
    ) -> ImportStats:
        """Upsert every fact-check of ``path`` (any format of :mod:`.formats`) and embed
        the new or changed ones; all or nothing."""
        return self.upsert(read_factchecks(path, publisher=publisher), embedder)

    def upsert(self, records: Iterable[FactCheck], embedder: Embedder | None) -> ImportStats:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                read = changed = 0
                chunk: list[tuple[str | None, ...]] = []
                for fc in records:
                    chunk.append(tuple(getattr(fc, f) for f in _FIELDS))
                    if len(chunk) >= _CHUNK:
                        changed += self._write(chunk)
                        read += len(chunk)
                        chunk.clear()
                if chunk:
                    changed += self._write(chunk)
                    read += len(chunk)
                embedded = self._embed_missing(embedder) if embedder is not None else 0
                if changed or embedded:
                    self._conn.execute(
                        "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'version'"
                    )
                self._conn.execute("COMMIT")
            except BaseException as exc:
                self._conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise _source_error(exc) from exc
                raise
        return ImportStats(read=read, changed=changed, embedded=embedded)

    def _write(self, rows: list[tuple[str | None, ...]]) -> int:
        """Upsert rows; the count of rows inserted or changed (triggers not counted)."""
        cursor = self._conn.executemany(_UPSERT, rows)
        return max(0, cursor.rowcount)

    def _embed_missing(self, embedder: Embedder) -> int:
        done = 0
        while True:
            rows = self._conn.execute(
                "SELECT rowid, claim, title FROM factchecks "
                "WHERE embedding IS NULL OR embedding_model IS NOT ? ORDER BY rowid LIMIT ?",
                (embedder.model_id, _EMBED_CHUNK),
            ).fetchall()
            if not rows:
                return done
            vectors = embedder.embed([embedding_text(c, t) for _, c, t in rows])
            self._conn.executemany(
                "UPDATE factchecks SET embedding = ?, embedding_model = ? WHERE rowid = ?",
                [
                    (vectors[i].astype("<f4").tobytes(), embedder.model_id, rowid)
                    for i, (rowid, _, _) in enumerate(rows)
                ],
            )
            done += len(rows)
            log.info("embedded %d fact-checks", done)

    # --- reading ---------------------------------------------------------------------------

    def version(self) -> int:
        with self._guard():
            (value,) = self._conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        return int(value)

    def count(self) -> int:
        with self._guard():
            (n,) = self._conn.execute("SELECT count(*) FROM factchecks").fetchone()
        return int(n)

    def vectors(self, model_id: str, dimension: int) -> Vectors:
        """Every embedding made by ``model_id``; rows without one are left out."""
        with self._guard():
            (version,) = self._conn.execute(
                "SELECT value FROM meta WHERE key = 'version'"
            ).fetchone()
            rows = self._conn.execute(
                "SELECT rowid, embedding FROM factchecks WHERE embedding_model IS ? "
                "AND embedding IS NOT NULL ORDER BY rowid",
                (model_id,),
            ).fetchall()
            keys = self._conn.execute(
                "SELECT rowid, claim, publisher, rating FROM factchecks ORDER BY rowid"
            ).fetchall()
        rowids = np.fromiter((r for r, _ in rows), dtype=np.int64, count=len(rows))
        matrix = np.empty((len(rows), dimension), dtype=np.float32)
        for i, (_, blob) in enumerate(rows):
            matrix[i] = np.frombuffer(blob, dtype="<f4")
        first: dict[tuple[str, str | None, str | None], int] = {}
        canonical: dict[int, int] = {}
        for rowid, claim, publisher, rating in keys:
            key = (" ".join(_WORDS.findall(claim.casefold())), publisher, rating)
            earlier = first.setdefault(key, int(rowid))
            if earlier != rowid:
                canonical[int(rowid)] = earlier
        return Vectors(rowids=rowids, matrix=matrix, version=int(version), canonical=canonical)

    def missing_embeddings(self, model_id: str) -> int:
        with self._guard():
            (n,) = self._conn.execute(
                "SELECT count(*) FROM factchecks WHERE embedding IS NULL "
                "OR embedding_model IS NOT ?",
                (model_id,),
            ).fetchone()
        return int(n)

    def lexical(self, text: str, limit: int) -> list[tuple[int, float]]:
        """``(rowid, bm25 strength)`` of the ``limit`` best rows, strength > 0, best first."""
        query = build_match_query(text)
        if query is None or limit <= 0:
            return []
        with self._guard():
            rows = self._conn.execute(_LEXICAL, (query, limit)).fetchall()
        return [(int(rowid), -float(rank)) for rowid, rank in rows]

    def get_many(self, rowids: Sequence[int]) -> dict[int, FactCheck]:
        if not rowids:
            return {}
        with self._guard():
            rows = self._conn.execute(
                f"SELECT rowid, {', '.join(_FIELDS)} FROM factchecks WHERE rowid IN "
                f"({','.join('?' * len(rowids))})",
                list(rowids),
            ).fetchall()
        return {int(r[0]): FactCheck(**dict(zip(_FIELDS, r[1:], strict=True))) for r in rows}

    def get(self, factcheck_id: str) -> FactCheck | None:
        with self._guard():
            row = self._conn.execute(
                f"SELECT {', '.join(_FIELDS)} FROM factchecks WHERE id = ?", (factcheck_id,)
            ).fetchone()
        return FactCheck(**dict(zip(_FIELDS, row, strict=True))) if row else None

    def rowid_of(self, factcheck_id: str) -> int | None:
        with self._guard():
            row = self._conn.execute(
                "SELECT rowid FROM factchecks WHERE id = ?", (factcheck_id,)
            ).fetchone()
        return int(row[0]) if row else None

    def iter_all(self) -> Iterator[tuple[int, FactCheck]]:
        with self._guard():
            rows = self._conn.execute(
                f"SELECT rowid, {', '.join(_FIELDS)} FROM factchecks ORDER BY rowid"
            ).fetchall()
        for r in rows:
            yield int(r[0]), FactCheck(**dict(zip(_FIELDS, r[1:], strict=True)))

    def _guard(self) -> _Guarded:
        return _Guarded(self._lock)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> FactCheckArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Guarded:
    """The connection lock, with SQLite errors turned into source errors."""

    def __init__(self, lock: threading.Lock) -> None:
        self._lock = lock

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        self._lock.release()
        if isinstance(exc, sqlite3.Error):
            raise _source_error(exc) from exc


def _source_error(exc: sqlite3.Error) -> TransientSourceError | PermanentSourceError:
    """A busy or locked database may pass; anything else will not."""
    message = str(exc).lower()
    if isinstance(exc, sqlite3.OperationalError) and (
        "locked" in message or "busy" in message or "unable to open" in message
    ):
        return TransientSourceError(SOURCE_NAME, f"archive busy: {exc}")
    return PermanentSourceError(SOURCE_NAME, f"archive failed: {exc}")


def cached_archive(source: Path, cache_dir: Path, embedder: Embedder) -> FactCheckArchive:
    """An archive built from a fact-check file, cached by the file's content hash.

    Importing is idempotent, so a cache that exists costs one unchanged re-import check
    (no embedding); a changed file gets a new cache file.
    """
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    path = cache_dir / f"{source.name.split('.')[0]}-{digest}-{embedder.model_id[:8]}.sqlite3"
    archive = FactCheckArchive(path)
    try:
        if archive.count() == 0 or archive.missing_embeddings(embedder.model_id):
            archive.import_file(source, embedder)
    except BaseException:
        archive.close()
        raise
    return archive
