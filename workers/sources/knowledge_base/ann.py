"""An approximate-nearest-neighbour index of a knowledge base's sentence vectors.

Above ``dense_in_memory_max`` embedded sentences the knowledge base no longer scans every
vector for a claim; with this index it still searches all of them, in time that grows with
the logarithm of the base. The index is HNSW from `usearch <https://github.com/unum-cloud/usearch>`_
(chosen over faiss-cpu and hnswlib: a 2 MB wheel with no system libraries, float16 storage,
multi-threaded build, memory-mapped loading, and saved indexes that load in milliseconds),
cosine metric, float16, keyed by the sentence's SQLite rowid.

Files, beside the SQLite file ``kb.sqlite3``: ``kb.sqlite3.ann`` (the index) and
``kb.sqlite3.ann.json`` (the knowledge base version and embedding model it was built for,
and its size). Built by ``claimcheck kb build-index`` and after every import of a base over
the threshold; a search uses it only while the version and model match (else it falls back
to scoring the lexical candidates, as without an index). Workers on other machines get the
two files the same way as the SQLite file.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

CONNECTIVITY: Final = 16
EXPANSION_ADD: Final = 128
EXPANSION_SEARCH: Final = 128


@dataclass(frozen=True)
class AnnMeta:
    version: int
    model_id: str | None
    count: int
    ndim: int
    seconds: float


def index_path(kb_path: Path) -> Path:
    return kb_path.with_name(kb_path.name + ".ann")


def _meta_path(kb_path: Path) -> Path:
    return kb_path.with_name(kb_path.name + ".ann.json")


def _new_index(ndim: int) -> Any:
    from usearch.index import Index

    return Index(
        ndim=ndim, metric="cos", dtype="f16", connectivity=CONNECTIVITY,
        expansion_add=EXPANSION_ADD, expansion_search=EXPANSION_SEARCH,
    )  # fmt: skip


class AnnIndex:
    """One loaded index: :meth:`search` gives the nearest sentence rowids to a vector."""

    def __init__(self, index: Any, meta: AnnMeta) -> None:
        self._index = index
        self.meta = meta

    @classmethod
    def build(
        cls,
        kb_path: Path,
        rowids: npt.NDArray[np.int64],
        matrix: npt.NDArray[np.float32],
        *,
        version: int,
        model_id: str | None,
        threads: int = 0,
    ) -> AnnIndex:
        """Index ``matrix`` (one row per rowid) and save it beside ``kb_path``."""
        started = time.perf_counter()
        index = _new_index(int(matrix.shape[1]))
        if len(rowids):
            index.add(rowids, matrix, threads=threads)
        seconds = round(time.perf_counter() - started, 2)
        meta = AnnMeta(version, model_id, len(rowids), int(matrix.shape[1]), seconds)
        path = index_path(kb_path)
        partial = path.with_name(path.name + ".partial")
        index.save(str(partial))
        partial.replace(path)
        _meta_path(kb_path).write_text(json.dumps(vars(meta)), encoding="utf-8")
        return cls(index, meta)

    @classmethod
    def load(cls, kb_path: Path, *, version: int, model_id: str | None) -> AnnIndex | None:
        """The saved index if it was built for this version and model, else None."""
        try:
            meta = AnnMeta(**json.loads(_meta_path(kb_path).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None
        if meta.version != version or meta.model_id != model_id or meta.count == 0:
            return None
        index = _new_index(meta.ndim)
        try:
            index.view(str(index_path(kb_path)))  # memory-mapped: loads in milliseconds
        except (OSError, RuntimeError, ValueError):
            return None
        return cls(index, meta)

    def search(self, vector: npt.NDArray[np.float32], k: int) -> tuple[list[int], list[float]]:
        """The ``k`` nearest rowids, nearest first, with their cosine similarities."""
        found = self._index.search(vector, k)
        keys = [int(x) for x in found.keys.tolist()]
        sims = [1.0 - float(d) for d in found.distances.tolist()]
        return keys, sims
