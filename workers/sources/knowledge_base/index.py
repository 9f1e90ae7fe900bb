"""The local knowledge base: documents split into sentences in one SQLite file.

Layout:

- ``documents``: one row per document, keyed by the caller's id, with ``sentences_hash``
  (the digest of the text its sentences were cut from);
- ``sentences``: every sentence of every document once, with its character offsets in the
  document's text, its position, the digest of its text and its embedding (float16 bytes)
  with the id of the model that made it;
- two external-content FTS5 indexes (documents: title and text; sentences: text) kept in
  step by triggers, and ``kb_meta`` with a ``version`` bumped by every import that changed
  something, so a searching process knows when to reload its vectors.

The database runs in WAL mode: worker processes keep reading while ``claimcheck kb
import`` writes. An import is one transaction (a bad row aborts the whole file, naming its
line). A document whose text changed is split again; a sentence whose text is unchanged
keeps its embedding, so a re-import embeds only what changed.

Search is hybrid and at sentence level: BM25 over sentences, BM25 over whole documents
(their sentences become candidates) and cosine similarity of sentence embeddings to the
claim's (over every sentence while the base is small enough to hold its vectors in
memory, else over the lexical candidates), fused by reciprocal rank. Each hit is one
sentence with its offsets and its neighbours as context.

Claim text never reaches FTS5 as syntax: :func:`build_match_query` keeps only word
tokens, drops stop words and quotes each token, then ORs them together.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from shared.errors import PermanentSourceError, TransientSourceError
from workers.retrieval_words import content_words, unique
from workers.sources.base import Embedder, Passage
from workers.sources.knowledge_base.ann import AnnIndex, AnnMeta
from workers.sources.knowledge_base.documents import Document
from workers.sources.knowledge_base.writer import KbWriter, is_lock_error

log = logging.getLogger(__name__)

SOURCE_NAME = "knowledge_base"
MAX_QUERY_TOKENS = 32
BUSY_TIMEOUT_S = 5.0
"""How long a connection waits for another's write transaction by default (a search, a
worker opening the file); ``claimcheck kb import --wait`` waits longer."""
_TITLE_WEIGHT = 2.0
_TEXT_WEIGHT = 1.0
MAX_DOCUMENT_CHARS = 1_000_000
"""Longest document text an import accepts (a long book chapter; split longer ones)."""
_RRF_K = 60
"""Reciprocal-rank fusion constant (Cormack et al. 2009 use 60)."""

_SCHEMA = (Path(__file__).resolve().parents[1] / "data" / "kb_schema.sql").read_text("utf-8")
"""Tables, FTS5 indexes and the triggers that keep them in step (run when a file lacks
one of them)."""
_SCHEMA_NAMES = frozenset(re.findall(r"IF NOT EXISTS (\w+)", _SCHEMA))

_SEARCH_DOCUMENTS = f"""
SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?
ORDER BY bm25(documents_fts, {_TITLE_WEIGHT}, {_TEXT_WEIGHT}) LIMIT ?
"""

_SEARCH_SENTENCES = """
SELECT rowid FROM sentences_fts WHERE sentences_fts MATCH ? ORDER BY bm25(sentences_fts) LIMIT ?
"""

_HIT = """
SELECT s.rowid, s.doc_rowid, s.position, s.start, s."end", s.text, d.id, d.title, d.url,
       d.sentences_hash
FROM sentences AS s JOIN documents AS d ON d.rowid = s.doc_rowid WHERE s.rowid = ?
"""


def starter_corpus_path() -> Path:
    """The starter corpus shipped with the package (facts for the seed article and more)."""
    return Path(__file__).resolve().parents[1] / "data" / "starter_kb.jsonl"


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
class SearchConfig:
    """How deep each retriever looks; the fusion keeps the best ``limit`` of their union."""

    lexical_sentences: int = 48
    """Sentences taken from BM25 over sentences."""
    lexical_documents: int = 6
    """Documents taken from BM25 over documents; their sentences become candidates."""
    dense_sentences: int = 48
    """Sentences taken from the embedding search."""
    dense_in_memory_max: int = 50_000
    """Up to this many embedded sentences the dense search scans them all (held in memory,
    about 1.5 kB each); above it, it searches the ANN index
    (:mod:`~workers.sources.knowledge_base.ann`)
    where one was built for this version of the base, else scores the lexical candidates."""
    context_sentences: int = 1
    """Neighbours on each side given as a hit's context."""


@dataclass
class _Vectors:
    version: int
    rowids: npt.NDArray[np.int64]
    matrix: npt.NDArray[np.float32]
    too_many: bool = False
    """More vectors than ``dense_in_memory_max``: none are held."""


class KnowledgeBase(KbWriter):
    """A persistent sentence index of reference documents; implements ``Source``.

    ``embedder`` (the process's sentence-embedding model) makes import store sentence
    vectors and search use them; without one, both are lexical only. One instance holds
    one SQLite connection guarded by a lock, so it may be shared by the threads of one
    process. Create it in the process that uses it (after fork).
    """

    name = SOURCE_NAME

    def __init__(
        self,
        path: Path | str,
        *,
        embedder: Embedder | None = None,
        config: SearchConfig | None = None,
        max_document_chars: int = MAX_DOCUMENT_CHARS,
        lock_timeout_s: float = BUSY_TIMEOUT_S,
    ) -> None:
        self.path = Path(path)
        self.max_document_chars = max_document_chars
        self.lock_timeout_s = lock_timeout_s
        self.embedder = embedder
        self.config = config or SearchConfig()
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._vectors: _Vectors | None = None
        self._ann_cache: tuple[int, AnnIndex | None] | None = None
        self._conn = sqlite3.connect(
            str(self.path), timeout=lock_timeout_s, check_same_thread=False, isolation_level=None
        )
        try:
            with self._lock:
                self._prepare()
        except sqlite3.OperationalError as exc:
            self._conn.close()
            if is_lock_error(exc):
                raise self.locked_error() from exc
            raise

    def _prepare(self) -> None:
        """WAL mode and the schema. A file that has them is only read, so that opening it
        never waits for (or makes wait) another process's import."""
        self._conn.execute("PRAGMA synchronous=NORMAL")
        mode = self._conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            self._conn.execute("PRAGMA journal_mode=WAL")
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(documents)")}
        if columns and "sentences_hash" not in columns:  # a file from before sentences
            self._conn.execute("ALTER TABLE documents ADD COLUMN sentences_hash TEXT")
        names = {row[0] for row in self._conn.execute("SELECT name FROM sqlite_master")}
        version = (
            "kb_meta" in names
            and self._conn.execute("SELECT 1 FROM kb_meta WHERE key = 'version'").fetchone()
        )
        if not (names >= _SCHEMA_NAMES and version):
            self._conn.executescript(_SCHEMA)

    # --- reading -----------------------------------------------------------------------

    def search(self, claim: str, limit: int, *, timeout_s: float | None = None) -> list[Passage]:
        """The ``limit`` best sentences for ``claim``, each with its document and offsets.

        A local search: ``timeout_s`` is not needed and ignored."""
        if limit <= 0:
            return []
        try:
            return self._search(claim, limit)
        except sqlite3.OperationalError as exc:
            message = str(exc).lower()
            if "locked" in message or "busy" in message or "unable to open" in message:
                raise TransientSourceError(self.name, f"database busy: {exc}") from exc
            raise PermanentSourceError(self.name, f"query failed: {exc}") from exc
        except sqlite3.Error as exc:
            raise PermanentSourceError(self.name, f"query failed: {exc}") from exc

    def _search(self, claim: str, limit: int) -> list[Passage]:
        cfg = self.config
        query = build_match_query(claim)
        vector = self.embedder.embed([claim])[0] if self.embedder is not None else None
        with self._lock:
            lexical: list[int] = []
            from_documents: list[int] = []
            if query is not None:
                lexical = self._column(_SEARCH_SENTENCES, (query, cfg.lexical_sentences))
                documents = self._column(_SEARCH_DOCUMENTS, (query, cfg.lexical_documents))
                from_documents = self._sentences_of(documents)
            similarity: dict[int, float] = {}
            dense: list[int] = []
            if vector is not None:
                similarity, dense = self._dense(vector, [*lexical, *from_documents])
            if query is None and not dense:
                return []
            fused = _fuse([(lexical, 1.0), (dense, 1.0), (from_documents, 0.5)])
            best = sorted(fused, key=lambda r: (-fused[r], r))[:limit]
            top = 1.0 / (_RRF_K + 1) * 2.5
            return [self._passage(r, min(1.0, fused[r] / top), similarity.get(r)) for r in best]

    def _column(self, sql: str, args: tuple[object, ...]) -> list[int]:
        return [int(row[0]) for row in self._conn.execute(sql, args)]

    def _sentences_of(self, documents: Sequence[int]) -> list[int]:
        """Sentence rowids of documents, in the documents' order, then by position."""
        out: list[int] = []
        for doc_rowid in documents:
            out += self._column(
                "SELECT rowid FROM sentences WHERE doc_rowid = ? ORDER BY position", (doc_rowid,)
            )
        return out

    def _dense(
        self, vector: npt.NDArray[np.float32], candidates: Sequence[int]
    ) -> tuple[dict[int, float], list[int]]:
        """Cosine of the claim to sentences -> (rowid -> similarity, best rowids first)."""
        version = self._version()
        vectors = self._memory_vectors(version)
        if vectors is not None:
            sims = vectors.matrix @ vector
            k = min(self.config.dense_sentences, len(sims))
            if k == 0:
                return {}, []
            idx = np.argpartition(-sims, k - 1)[:k]
            idx = idx[np.argsort(-sims[idx], kind="stable")]
            ranked = [int(vectors.rowids[i]) for i in idx]
            similarity = {int(vectors.rowids[i]): float(sims[i]) for i in idx}
            positions = np.searchsorted(vectors.rowids, np.asarray(candidates, dtype=np.int64))
            for rowid, pos in zip(candidates, positions.tolist(), strict=True):
                if pos < len(vectors.rowids) and vectors.rowids[pos] == rowid:
                    similarity[rowid] = float(sims[pos])
            return similarity, ranked
        similarity = self._candidate_similarity(vector, candidates)
        ann = self._ann(version)
        if ann is not None:  # a base too large to scan: the whole of it, approximately
            keys, near = ann.search(vector, self.config.dense_sentences)
            similarity.update(zip(keys, near, strict=True))
            return similarity, keys
        ranked = sorted(similarity, key=lambda r: -similarity[r])[: self.config.dense_sentences]
        return similarity, ranked

    def _candidate_similarity(
        self, vector: npt.NDArray[np.float32], candidates: Sequence[int]
    ) -> dict[int, float]:
        """Cosine of the claim to the lexical candidates' stored vectors."""
        similarity: dict[int, float] = {}
        unique_ids = list(dict.fromkeys(candidates))
        for start in range(0, len(unique_ids), 500):
            part = unique_ids[start : start + 500]
            marks = ",".join("?" * len(part))
            for rowid, blob in self._conn.execute(
                f"SELECT rowid, embedding FROM sentences WHERE rowid IN ({marks}) "
                "AND embedding IS NOT NULL AND embedding_model IS ?",
                [*part, self._model_id()],
            ):
                row = np.frombuffer(blob, dtype="<f2").astype(np.float32)
                similarity[int(rowid)] = float(row @ vector)
        return similarity

    def _version(self) -> int:
        (version,) = self._conn.execute(
            "SELECT value FROM kb_meta WHERE key = 'version'"
        ).fetchone()
        return int(version)

    def _ann(self, version: int) -> AnnIndex | None:
        """The saved ANN index, when it was built for this version of the base."""
        if self._ann_cache is None or self._ann_cache[0] != version:
            self._ann_cache = (
                version,
                AnnIndex.load(self.path, version=version, model_id=self._model_id()),
            )
        return self._ann_cache[1]

    def needs_ann_index(self) -> bool:
        """Whether the base has more embedded sentences than the dense search scans."""
        with self._lock:
            (n,) = self._conn.execute(
                "SELECT count(*) FROM sentences WHERE embedding_model IS ?", (self._model_id(),)
            ).fetchone()
        return self.embedder is not None and int(n) > self.config.dense_in_memory_max

    def build_ann_index(self, *, threads: int = 0) -> AnnMeta:
        """(Re)build the ANN index of every embedded sentence and save it beside the file."""
        with self._lock:
            version = self._version()
            rows = self._conn.execute(
                "SELECT rowid, embedding FROM sentences WHERE embedding IS NOT NULL "
                "AND embedding_model IS ? ORDER BY rowid",
                (self._model_id(),),
            )
            rowids: list[int] = []
            chunks: list[npt.NDArray[np.float16]] = []
            while batch := rows.fetchmany(10_000):
                rowids += [int(r) for r, _ in batch]
                chunks.append(np.frombuffer(b"".join(b for _, b in batch), dtype="<f2"))
        dimension = self.embedder.dimension if self.embedder is not None else 0
        matrix = (
            np.concatenate(chunks).reshape(len(rowids), dimension).astype(np.float32)
            if rowids
            else np.zeros((0, dimension), dtype=np.float32)
        )
        built = AnnIndex.build(
            self.path, np.asarray(rowids, dtype=np.int64), matrix, version=version,
            model_id=self._model_id(), threads=threads,
        )  # fmt: skip
        self._ann_cache = (version, built)
        return built.meta

    def _model_id(self) -> str | None:
        return self.embedder.model_id if self.embedder is not None else None

    def _memory_vectors(self, version: int) -> _Vectors | None:
        """Every sentence vector, reloaded when an import changed the base (``version``);
        None when the base has more than ``dense_in_memory_max`` of them."""
        cached = self._vectors
        if cached is not None and cached.version == version:
            return None if cached.too_many else cached
        (n,) = self._conn.execute(
            "SELECT count(*) FROM sentences WHERE embedding_model IS ?", (self._model_id(),)
        ).fetchone()
        if n > self.config.dense_in_memory_max:  # remembered until the next import
            empty = np.zeros((0, 0), dtype=np.float32)
            self._vectors = _Vectors(int(version), np.zeros(0, np.int64), empty, too_many=True)
            return None
        rows = self._conn.execute(
            "SELECT rowid, embedding FROM sentences WHERE embedding IS NOT NULL "
            "AND embedding_model IS ? ORDER BY rowid",
            (self._model_id(),),
        ).fetchall()
        dimension = self.embedder.dimension if self.embedder is not None else 0
        matrix = np.zeros((len(rows), dimension), dtype=np.float32)
        for i, (_, blob) in enumerate(rows):
            matrix[i] = np.frombuffer(blob, dtype="<f2")
        rowids = np.fromiter((r for r, _ in rows), dtype=np.int64, count=len(rows))
        self._vectors = _Vectors(version=int(version), rowids=rowids, matrix=matrix)
        return self._vectors

    def _passage(self, rowid: int, score: float, similarity: float | None) -> Passage:
        (_, doc_rowid, position, start, end, text, doc_id, title, url, doc_hash) = (
            self._conn.execute(_HIT, (rowid,)).fetchone()
        )
        width = self.config.context_sentences
        around = self._conn.execute(
            "SELECT position, text FROM sentences WHERE doc_rowid = ? "
            "AND position BETWEEN ? AND ? AND position != ? ORDER BY position",
            (doc_rowid, position - width, position + width, position),
        ).fetchall()
        before = " ".join(t for p, t in around if p < position)
        after = " ".join(t for p, t in around if p > position)
        return Passage(
            source=self.name,
            doc_id=doc_id,
            title=title,
            url=url,
            text=text,
            score=round(score, 6),
            start=int(start),
            end=int(end),
            context_before=before,
            context_after=after,
            similarity=None if similarity is None else round(similarity, 6),
            doc_hash=doc_hash,
        )

    def count(self) -> int:
        with self._lock:
            (n,) = self._conn.execute("SELECT count(*) FROM documents").fetchone()
        return int(n)

    def sentence_count(self) -> int:
        with self._lock:
            (n,) = self._conn.execute("SELECT count(*) FROM sentences").fetchone()
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


def _fuse(rankings: Sequence[tuple[Sequence[int], float]]) -> dict[int, float]:
    """Weighted reciprocal-rank fusion of ranked lists of sentence rowids."""
    fused: dict[int, float] = {}
    for ranking, weight in rankings:
        for rank, rowid in enumerate(dict.fromkeys(ranking), start=1):
            fused[rowid] = fused.get(rowid, 0.0) + weight / (_RRF_K + rank)
    return fused
