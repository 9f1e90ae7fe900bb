"""``claimcheck-lab bench-kb``: how retrieval's cost grows with the knowledge base.

``--lexical`` measures the other half instead: a knowledge base of each size imported
without embeddings, its BM25 search (sentences and documents) timed on dev claims. The
public data has about 100,000 distinct documents; larger sizes add documents that join the
texts of two of them.

For each size (default 10,000, 100,000 and 1,000,000 sentence vectors) it builds the ANN
index the knowledge base uses (:mod:`workers.sources.knowledge_base.ann`) and times, for the same
queries, the index and an exact scan of every vector (what the base does under
``dense_in_memory_max``): p50/p95 latency, recall@k of the index against the exact top k,
build time and index size on disk.

Vectors "from real text": the texts are :func:`lab.kb_corpus.build_documents` (public
training-file text, never dev or test), the queries dev claims (:func:`lab.kb_corpus.dev_claims`),
all embedded with the worker's embedding model. Embedding a million texts takes hours on 2
cores, so only ``--real`` of them (default 20,000) are embedded; each further vector is a
random convex mix of two real ones plus Gaussian noise (``--noise``), normalised. Such
vectors lie near the real ones without repeating them; say so when quoting the numbers.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cli.commands import Subparsers, add_command
from shared.settings import Settings

Matrix = npt.NDArray[np.float32]


def real_vectors(data_dir: Path, n_texts: int, n_queries: int) -> tuple[Matrix, Matrix]:
    from lab.kb_corpus import build_documents, dev_claims
    from workers.sources.factchecks.embedding import OnnxEmbedder

    embedder = OnnxEmbedder(threads=2)
    texts = [d["text"][:400] for d in build_documents(data_dir, n_texts)]
    base = np.asarray(embedder.embed(texts), dtype=np.float32)
    queries = np.asarray(embedder.embed(dev_claims(data_dir, n_queries)), dtype=np.float32)
    return base, queries


def grown(base: Matrix, size: int, noise: float, seed: int = 7) -> Matrix:
    """``size`` vectors: ``base`` first, then normalised noisy mixes of two of its rows."""
    if size <= len(base):
        return base[:size]
    rng = np.random.default_rng(seed)
    out = np.empty((size, base.shape[1]), dtype=np.float32)
    out[: len(base)] = base
    for start in range(len(base), size, 100_000):
        n = min(100_000, size - start)
        pick = rng.integers(0, len(base), (n, 2))
        w = rng.random((n, 1), dtype=np.float32)
        mix = w * base[pick[:, 0]] + (1 - w) * base[pick[:, 1]]
        mix += rng.standard_normal(mix.shape, dtype=np.float32) * np.float32(noise)
        out[start : start + n] = mix / np.linalg.norm(mix, axis=1, keepdims=True)
    return out


def _exact(matrix: Matrix, query: Matrix, k: int) -> npt.NDArray[np.int64]:
    sims = matrix @ query
    top = np.argpartition(-sims, k - 1)[:k]
    return top[np.argsort(-sims[top])]


def measure(matrix: Matrix, queries: Matrix, k: int, workdir: Path) -> dict[str, Any]:
    from workers.sources.knowledge_base.ann import AnnIndex, index_path

    kb_path = workdir / f"bench-{len(matrix)}.sqlite3"
    rowids = np.arange(len(matrix), dtype=np.int64)
    built = AnnIndex.build(kb_path, rowids, matrix, version=1, model_id="bench")
    index = AnnIndex.load(kb_path, version=1, model_id="bench")
    assert index is not None
    ann_ms, exact_ms, recall = [], [], []
    for q in queries:
        t = time.perf_counter()
        keys, _ = index.search(q, k)
        ann_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        truth = _exact(matrix, q, k)
        exact_ms.append((time.perf_counter() - t) * 1000)
        recall.append(len(set(keys) & set(truth.tolist())) / k)
    size_mb = index_path(kb_path).stat().st_size / 1e6
    for path in (index_path(kb_path), kb_path.with_name(kb_path.name + ".ann.json")):
        path.unlink(missing_ok=True)
    return {
        "vectors": len(matrix),
        "build_s": built.meta.seconds,
        "index_mb": round(size_mb, 1),
        "ann_p50_ms": round(float(np.percentile(ann_ms, 50)), 2),
        "ann_p95_ms": round(float(np.percentile(ann_ms, 95)), 2),
        "exact_p50_ms": round(float(np.percentile(exact_ms, 50)), 2),
        "exact_p95_ms": round(float(np.percentile(exact_ms, 95)), 2),
        f"recall@{k}": round(float(np.mean(recall)), 4),
    }


def lexical_documents(data_dir: Path, size: int, seed: int = 7) -> list[dict[str, str]]:
    """``size`` documents: the public data's distinct ones first (about 100,000), then
    documents joining the texts of two of them (titled by the first)."""
    from lab.kb_corpus import build_documents

    docs = build_documents(data_dir, size, at_most=True)
    rng = np.random.default_rng(seed)
    real = len(docs)
    for i in range(real, size):
        a, b = rng.integers(0, real, 2)
        text = f"{docs[a]['text']} {docs[b]['text']}"
        docs.append({"id": f"mix-{i}", "title": docs[a]["title"], "text": text})
    return docs


def measure_lexical(
    docs: list[dict[str, str]], queries: list[str], workdir: Path
) -> dict[str, Any]:
    """Import ``docs`` into a lexical-only knowledge base and time its searches."""
    from lab.kb_corpus import write_jsonl
    from workers.sources.knowledge_base.index import KnowledgeBase

    path = workdir / f"lexical-{len(docs)}.sqlite3"
    source = workdir / f"lexical-{len(docs)}.jsonl"
    write_jsonl(docs, source)
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    with KnowledgeBase(path) as kb:
        kb.import_jsonl(source)
        imported = time.perf_counter() - started
        latencies = []
        for q in queries:
            t = time.perf_counter()
            kb.search(q, 5)
            latencies.append((time.perf_counter() - t) * 1000)
    size_mb = path.stat().st_size / 1e6
    for done in (path, source):
        done.unlink(missing_ok=True)
    return {
        "documents": len(docs),
        "import_s": round(imported, 1),
        "sqlite_mb": round(size_mb, 1),
        "p50_ms": round(float(np.percentile(latencies, 50)), 1),
        "p95_ms": round(float(np.percentile(latencies, 95)), 1),
    }


def run_lexical(args: argparse.Namespace, data: Path, workdir: Path) -> list[dict[str, Any]]:
    from lab.kb_corpus import dev_claims

    queries = dev_claims(data, args.queries)
    print("documents  import s  SQLite MB  BM25 search p50/p95 ms (no embeddings)")
    rows = []
    for size in sorted(args.sizes):
        row = measure_lexical(lexical_documents(data, size), queries, workdir)
        rows.append(row)
        print(
            f"{row['documents']:>9,}  {row['import_s']:>8.1f}  {row['sqlite_mb']:>9.1f}  "
            f"{row['p50_ms']:>6.1f}/{row['p95_ms']:<6.1f}",
            flush=True,
        )
    return rows


def run_bench(args: argparse.Namespace, settings: Settings) -> int:
    from lab.kb_corpus import CACHE_DIR, DEFAULT_DATA_DIR

    data = Path(args.data_dir or DEFAULT_DATA_DIR)
    if not data.is_dir():
        print(f"bench-kb: {data} not found (the public datasets); nothing measured")
        return 0
    workdir = Path(args.workdir or CACHE_DIR)
    workdir.mkdir(parents=True, exist_ok=True)
    if args.lexical:
        rows = run_lexical(args, data, workdir)
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=1), encoding="utf-8")
        return 0
    t = time.perf_counter()
    base, queries = real_vectors(data, args.real, args.queries)
    print(
        f"embedded {len(base)} texts and {len(queries)} queries in {time.perf_counter() - t:.0f} s"
    )
    rows = []
    header = f"vectors  build s  index MB  ANN p50/p95 ms  exact p50/p95 ms  recall@{args.k}"
    print(header)
    for size in sorted(args.sizes):
        row = measure(grown(base, size, args.noise), queries, args.k, workdir)
        rows.append(row)
        print(
            f"{row['vectors']:>9,}  {row['build_s']:>7.1f}  {row['index_mb']:>8.1f}  "
            f"{row['ann_p50_ms']:>6.2f}/{row['ann_p95_ms']:<6.2f}  "
            f"{row['exact_p50_ms']:>8.2f}/{row['exact_p95_ms']:<8.2f}  "
            f"{row[f'recall@{args.k}']:.3f}",
            flush=True,
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers,
        "bench-kb",
        run_bench,
        help="dense retrieval (ANN index vs exact scan) at growing knowledge-base sizes",
    )
    p.add_argument(
        "--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000],
        help="numbers of sentence vectors (default 10k, 100k, 1M)",
    )  # fmt: skip
    p.add_argument("--real", type=int, default=20_000, help="real texts embedded (default 20k)")
    p.add_argument("--queries", type=int, default=200, help="dev claims used as queries")
    p.add_argument("--k", type=int, default=48, help="neighbours per query (the KB's 48)")
    p.add_argument("--noise", type=float, default=0.25, help="noise of the mixed vectors")
    p.add_argument("--data-dir", help="the public datasets (default ../shared/data)")
    p.add_argument("--workdir", help="where the indexes are built (default var/bench-kb)")
    p.add_argument("--json", help="also write the rows to this JSON file")
    p.add_argument(
        "--lexical",
        action="store_true",
        help="instead: BM25 search of a lexical-only knowledge base of each size (documents "
        "of the public data, then joins of two of them)",
    )
