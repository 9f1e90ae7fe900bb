"""A real-sized knowledge base for ``claimcheck-lab bench --kb-docs N``, built from public text.

Documents come from ``../shared/data`` (see its DATA.md), never from a dev or test file:

- the shipped starter corpus (first, as it is);
- the evidence passages of the verification *train* files (``vitaminc-real.train``,
  ``vitaminc-synthetic.train``, ``covid-fact.train``, ``scifact.train``,
  ``scifact-rte.train``): the distinct evidence strings of one page / article / abstract,
  in file order, cut into documents of 1-3 of them, titled by the row's ``page`` or
  ``titles`` where it has one;
- the fact-check archives' claims (LIAR, ct20-snopes), one document each;
- the sentences of the check-worthiness *train* files (ct24-en, ct19, ct20-debates,
  ct20-tweets) of at least :data:`MIN_WORDS` words, one document each.

The sources are interleaved round-robin (one document from each in turn) until N documents
are reached, so a small base has every kind of text in it; a text already taken (case and
spacing ignored) is skipped. Everything is deterministic: the same data and N give the
same bytes.

:func:`ensure_bench_kb` writes the documents as JSONL, and imports them with the real
``open_knowledge_base(...).import_jsonl`` (sentence split and embedding of every sentence,
minutes for 100,000 documents) into ``var/bench-kb/kb-<N>-<hash>.sqlite3``, where
``<hash>`` covers the JSONL and the embedding model; a later run with the same data and
model reuses the file.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from shared.jsonl import iter_objects
from shared.settings import Settings

DEFAULT_KB_DOCS = 100_000
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
CACHE_DIR = Path("var/bench-kb")
MIN_WORDS = 4
"""Check-worthiness lines shorter than this ("Thank you.") are not documents."""
MAX_GROUP = 3
"""Evidence strings per document: 1 to this many, chosen by a hash of the group."""

EVIDENCE_FILES = (
    "vitaminc-real.train",
    "vitaminc-synthetic.train",
    "covid-fact.train",
    "scifact.train",
    "scifact-rte.train",
)
CHECKWORTHINESS_FILES = ("ct24-en.train", "ct19.train", "ct20-debates.train", "ct20-tweets.train")
DEV_CLAIM_FILES = ("vitaminc-real.dev", "covid-fact.dev", "fever-symmetric.dev")
"""Dev files whose claims the KB can answer: their train evidence is in it (for FEVER,
vitaminc-synthetic's)."""

T = TypeVar("T")
Row = dict[str, Any]
Doc = dict[str, str]
"""One JSONL row of the knowledge base: ``id``, ``title``, ``text`` (and ``url``)."""

_PTB = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}"}


def _rows(path: Path) -> Iterator[Row]:
    with path.open(encoding="utf-8") as handle:
        for _, row in iter_objects(handle, where=str(path)):
            yield row


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _key(text: str) -> str:
    return _collapse(text).casefold()


def _readable(name: str) -> str:
    """A Wikipedia page name as a title: ``2_Hearts_-LRB-song-RRB-`` -> ``2 Hearts (song)``."""
    for token, bracket in _PTB.items():
        name = name.replace(token, bracket)
    return _collapse(name.replace("_", " ").replace("( ", "(").replace(" )", ")"))


def _sizes(group: str) -> Iterator[int]:
    """Deterministic document sizes (1..MAX_GROUP) for the strings of one group."""
    for n in itertools.count():
        digest = hashlib.sha1(f"{group}#{n}".encode(), usedforsecurity=False).digest()
        yield 1 + digest[0] % MAX_GROUP


def _grouped(path: Path, dataset: str, seen: set[str]) -> list[Doc]:
    """Documents of 1-3 evidence strings of the same page / article / abstract(s).

    ``seen`` (shared by the evidence files, read in order) holds the strings already in a
    document: evidence repeated within or across files goes into the knowledge base once,
    in the document of the file read first.
    """
    docs: list[Doc] = []
    groups: dict[str, tuple[str, list[str]]] = {}
    for row in _rows(path):
        evidence = row.get("evidence")
        if not isinstance(evidence, list):
            continue
        group, title = _group_of(row, dataset)
        strings = groups.setdefault(group, (title, []))[1]
        strings += [_collapse(e) for e in evidence if isinstance(e, str) and e.strip()]
    for group, (title, strings) in groups.items():
        fresh: list[str] = []
        for text in strings:
            if _key(text) not in seen:
                seen.add(_key(text))
                fresh.append(text)
        start = 0
        for n, size in enumerate(_sizes(group)):
            if start >= len(fresh):
                break
            part = fresh[start : start + size]
            start += size
            docs.append({"id": f"{dataset}:{group}:{n}", "title": title, "text": " ".join(part)})
    return docs


def _group_of(row: Row, dataset: str) -> tuple[str, str]:
    """(group key, document title) of a verification row."""
    page = row.get("page")
    if isinstance(page, str) and page.strip():
        return page.strip(), _readable(page)
    titles = [t for t in row.get("titles") or [] if isinstance(t, str) and t.strip()]
    if titles:
        ids = row.get("doc_ids") or titles
        return "+".join(str(i) for i in ids), "; ".join(_collapse(t) for t in titles)
    source = row.get("claim_source")
    if isinstance(source, str) and source.strip():
        host = urlsplit(source.strip()).hostname or "unknown source"
        return hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()[:12], (
            f"{dataset} evidence from {host.removeprefix('www.')}"
        )
    claim = _key(str(row.get("claim") or row.get("id") or ""))
    return hashlib.sha1(claim.encode(), usedforsecurity=False).hexdigest()[:12], (
        f"{dataset} evidence"
    )


def _speaker(slug: str) -> str:
    return " ".join(w.capitalize() for w in slug.replace("-", " ").split())


def _liar(path: Path) -> Iterator[Doc]:
    for row in _rows(path):
        claim = row.get("claim")
        if not isinstance(claim, str) or not claim.strip():
            continue
        speaker = _speaker(str(row.get("speaker") or "")) or "Unknown speaker"
        subject = str(row.get("subject") or "").replace(",", ", ")
        title = f"Statement by {speaker}" + (f" ({subject})" if subject else "")
        yield {"id": str(row["id"]), "title": title, "text": _collapse(claim)}


def _snopes(path: Path) -> Iterator[Doc]:
    for row in _rows(path):
        claim, title = row.get("claim"), row.get("title")
        if isinstance(claim, str) and claim.strip():
            title = _collapse(title) if isinstance(title, str) and title.strip() else "Snopes"
            yield {"id": str(row["id"]), "title": title, "text": _collapse(claim)}


def _checkworthiness(path: Path, dataset: str) -> Iterator[Doc]:
    for row in _rows(path):
        text = row.get("text")
        if not isinstance(text, str) or len(text.split()) < MIN_WORDS:
            continue
        debate, speaker, topic = row.get("debate"), row.get("context"), row.get("topic")
        if isinstance(debate, str) and debate:
            title = f"Debate {debate.replace('_', ' ')}"
            title += f": {_collapse(str(speaker))}" if speaker else ""
        elif isinstance(topic, str) and topic:
            title = f"Tweet on {topic}"
        else:
            title = f"Debate sentence ({dataset})"
        yield {"id": str(row["id"]), "title": title, "text": _collapse(text)}


def _starter(path: Path) -> Iterator[Doc]:
    for row in _rows(path):
        doc = {"id": str(row["id"]), "title": str(row["title"]), "text": str(row["text"])}
        if isinstance(row.get("url"), str):
            doc["url"] = row["url"]
        yield doc


def document_streams(data_dir: Path, starter: Path | None) -> list[Iterator[Doc]]:
    """One document iterator per source file present under ``data_dir``, in a fixed order."""
    streams: list[Iterator[Doc]] = []
    evidence_seen: set[str] = set()
    if starter is not None:
        streams.append(_starter(starter))
    for name in EVIDENCE_FILES:
        path = data_dir / "verification" / f"{name}.jsonl"
        if path.exists():
            streams.append(iter(_grouped(path, name.removesuffix(".train"), evidence_seen)))
    archives: list[tuple[Path, Callable[[Path], Iterator[Doc]]]] = [
        (data_dir / "factchecks" / "liar.jsonl", _liar),
        (data_dir / "claim-matching" / "ct20-snopes.archive.jsonl", _snopes),
    ]
    streams += [read(path) for path, read in archives if path.exists()]
    for name in CHECKWORTHINESS_FILES:
        path = data_dir / "checkworthiness" / f"{name}.jsonl"
        if path.exists():
            streams.append(_checkworthiness(path, name.removesuffix(".train")))
    return streams


def _round_robin(streams: Sequence[Iterator[T]]) -> Iterator[T]:
    """One item of each stream in turn; a stream that ends drops out."""
    live = list(streams)
    while live:
        for stream in list(live):
            item = next(stream, None)
            if item is None:
                live.remove(stream)
            else:
                yield item


def build_documents(
    data_dir: Path, count: int, *, starter: Path | None = None, at_most: bool = False
) -> list[Doc]:
    """The first ``count`` distinct documents; ValueError when the data has fewer (with
    ``at_most``: every distinct document it has, up to ``count``)."""
    if count < 1:
        raise ValueError("the knowledge base needs at least one document")
    docs: list[Doc] = []
    seen_ids: set[str] = set()
    seen_texts: set[str] = set()
    for doc in _round_robin(document_streams(data_dir, starter)):
        key = _key(doc["text"])
        if doc["id"] in seen_ids or key in seen_texts:
            continue
        seen_ids.add(doc["id"])
        seen_texts.add(key)
        docs.append(doc)
        if len(docs) == count:
            return docs
    if at_most:
        return docs
    raise ValueError(
        f"{data_dir} has only {len(docs)} distinct documents for the knowledge base, "
        f"{count} asked (--kb-docs)"
    )


def write_jsonl(docs: Iterable[Doc], path: Path) -> str:
    """Write one JSON object per line; return the SHA-256 of the bytes written."""
    digest = hashlib.sha256()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        for doc in docs:
            line = (json.dumps(doc, ensure_ascii=False, sort_keys=True) + "\n").encode()
            digest.update(line)
            handle.write(line)
    return digest.hexdigest()


def dev_claims(data_dir: Path, count: int) -> list[str]:
    """``count`` distinct claims of the dev files, round-robin over :data:`DEV_CLAIM_FILES`
    (then the other dev files if those run out); ValueError when there are fewer."""
    directory = data_dir / "verification"
    preferred = [directory / f"{name}.jsonl" for name in DEV_CLAIM_FILES]
    others = sorted(p for p in directory.glob("*.dev.jsonl") if p not in preferred)
    claims: list[str] = []
    seen: set[str] = set()
    for paths in ([p for p in preferred if p.exists()], others):
        streams = [(str(r.get("claim", "")) for r in _rows(p)) for p in paths]
        for claim in _round_robin(streams):
            key = _key(claim)
            if not key or key in seen:
                continue
            seen.add(key)
            claims.append(_collapse(claim))
            if len(claims) == count:
                return claims
    raise ValueError(f"{directory} has only {len(claims)} distinct dev claims, {count} asked")


@dataclass(frozen=True)
class BenchKb:
    path: Path
    documents: int
    sentences: int
    size_bytes: int
    import_seconds: float | None
    """Seconds the import took in this run; None when a cached file was reused."""

    def describe(self) -> str:
        size = f"{self.size_bytes / 2**20:.0f} MiB"
        if self.import_seconds is None:
            return (
                f"knowledge base {self.path}: {self.documents} documents, "
                f"{self.sentences} sentences, {size} (cached)"
            )
        seconds = max(self.import_seconds, 1e-9)
        return (
            f"knowledge base {self.path}: imported {self.documents} documents, "
            f"{self.sentences} sentences in {self.import_seconds:.1f} s "
            f"({self.documents / seconds:.0f} documents/s, {self.sentences / seconds:.0f} "
            f"sentences/s), {size}"
        )


def ensure_bench_kb(
    settings: Settings,
    data_dir: Path,
    count: int,
    *,
    cache_dir: Path = CACHE_DIR,
    starter: Path | None = None,
    echo: Callable[[str], None] = print,
) -> BenchKb:
    """The cached knowledge base of ``count`` documents, importing it first if needed.

    ``starter`` defaults to the shipped starter corpus. The import goes into a ``.partial``
    file renamed into place at the end, so an interrupted import is never reused.
    """
    from workers.components import knowledge_base_config
    from workers.context import build_process_embedder
    from workers.sources.knowledge_base.index import starter_corpus_path
    from workers.sources.registry import open_knowledge_base

    docs = build_documents(data_dir, count, starter=starter or starter_corpus_path())
    embedder = build_process_embedder(settings)
    model = embedder.model_id if embedder is not None else "lexical"
    cache_dir.mkdir(parents=True, exist_ok=True)
    jsonl = cache_dir / f"kb-{count}.{os.getpid()}.jsonl"
    try:
        content = write_jsonl(docs, jsonl)
        digest = hashlib.sha256(f"{content}:{model}".encode()).hexdigest()[:12]
        path = cache_dir / f"kb-{count}-{digest}.sqlite3"
        seconds: float | None = None
        if not path.exists():
            partial = path.with_name(path.name + ".partial")
            _remove(partial)
            echo(f"importing {count} documents into {path} (embedding every sentence) ...")
            kb = open_knowledge_base(knowledge_base_config(settings), embedder, partial)
            try:
                started = time.perf_counter()
                kb.import_jsonl(jsonl)
                seconds = time.perf_counter() - started
            finally:
                kb.close()
            os.replace(partial, path)
            _remove(partial)
        kb = open_knowledge_base(knowledge_base_config(settings), None, path)
        try:
            result = BenchKb(path, kb.count(), kb.sentence_count(), path.stat().st_size, seconds)
        finally:
            kb.close()
    finally:
        jsonl.unlink(missing_ok=True)
    echo(result.describe())
    return result


def _remove(database: Path) -> None:
    """A SQLite file and its WAL side files."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
