"""Open-retrieval evaluation (``claimcheck-lab eval-open``): the verifier finds the evidence.

``claimcheck-lab eval`` hands every claim its gold evidence. Here the evidence strings of a
whole verification file are pooled into a knowledge base instead, and each claim is
verified *without* given evidence, so the verifier has to retrieve its evidence from that
corpus, with distractors from every other row of the file, as it does in production.

The corpus: one document per distinct evidence string (deduplicated by normalised text:
whitespace collapsed, case folded); ``id`` = ``ev-`` + a 16-hex SHA-1 of the normalised
text (stable across runs and files); ``title`` = the row's page title where the file has
one (``page``, ``claim_title``, ``title``, ``titles``), else the first words of the text;
``text`` = the evidence string. It is written as JSONL and imported with
:meth:`KnowledgeBase.import_jsonl`, as ``claimcheck kb import`` does (sentence vectors of
the process's embedding model included), into
``<cache dir>/<file stem>-<hash of the corpus and embedding model>.sqlite3``, reused by
later runs while both are unchanged. The verifier is then built with that knowledge base
as its only source.

Reported per file, besides the scores ``claimcheck-lab eval`` gives (accuracy, macro-F1,
decided precision, coverage, claims/s):

* **evidence recall@5**: over the rows whose gold label is supported or refuted and that
  have gold evidence, the share whose verdict lists, among its first 5 evidence items, a
  document of one of the row's gold evidence strings (the ``rationale_idx`` positions
  where the row has them, else all of its evidence);
* **the accuracy gap** to the given-evidence run: the same rows verified with their given
  evidence by the same verifier (as ``claimcheck-lab eval`` does), open accuracy minus given.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from lab.verdict_eval import (
    DECIDED_LABELS,
    FileReport,
    Role,
    build_report,
    check_line,
    evaluate_file,
    read_predictions,
    render,
)
from shared.settings import Settings, load_settings

RECALL_K = 5
"""Evidence items of a verdict that recall@k looks at."""
TITLE_FIELDS = ("page", "claim_title", "title", "titles")
"""Row fields that name the page the evidence comes from, in order of preference."""
TITLE_WORDS = 8
"""Words of the text that make a title when the row names no page."""
DEFAULT_CACHE_DIR = Path("var/eval-open")


def normalise(text: str) -> str:
    """What deduplicates evidence strings: whitespace collapsed, case folded."""
    return " ".join(text.split()).casefold()


def document_id(text: str) -> str:
    """A short id that depends only on the normalised text (equal strings, equal ids)."""
    return "ev-" + hashlib.sha1(normalise(text).encode("utf-8")).hexdigest()[:16]


def title_of(row: dict[str, Any], text: str) -> str:
    """The row's page title (FEVER's underscores as spaces), else the first words of text."""
    for name in TITLE_FIELDS:
        value = row.get(name)
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str) and v.strip()), None)
        if isinstance(value, str) and value.strip():
            return " ".join(value.replace("_", " ").split())
    return " ".join(text.split()[:TITLE_WORDS])


def gold_evidence(row: dict[str, Any]) -> list[str]:
    """The row's gold evidence: the ``rationale_idx`` positions if it has them, else all."""
    evidence = [e for e in row.get("evidence") or [] if isinstance(e, str)]
    positions = row.get("rationale_idx")
    if isinstance(positions, list):
        return [evidence[i] for i in positions if isinstance(i, int) and 0 <= i < len(evidence)]
    return evidence


@dataclass(frozen=True)
class CorpusDocument:
    id: str
    title: str
    text: str
    url: str | None = None


@dataclass(frozen=True)
class LabelledRow:
    id: str | int
    claim: str
    label: str
    gold_ids: frozenset[str]
    """document ids of the row's gold evidence strings (empty: none, or all blank)"""


def read_labelled(path: Path) -> tuple[list[CorpusDocument], list[LabelledRow]]:
    """Every row of a verification file, and the corpus of its distinct evidence strings.

    A string's document keeps the text and title of its first occurrence.
    """
    documents: dict[str, CorpusDocument] = {}
    rows: list[LabelledRow] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            row = json.loads(line)
            for text in row.get("evidence") or []:
                if not isinstance(text, str) or not text.strip():
                    continue
                doc_id = document_id(text)
                if doc_id not in documents:
                    documents[doc_id] = CorpusDocument(doc_id, title_of(row, text), text.strip())
            rows.append(
                LabelledRow(
                    id=row["id"],
                    claim=str(row["claim"]),
                    label=str(row["label"]),
                    gold_ids=frozenset(document_id(t) for t in gold_evidence(row) if t.strip()),
                )
            )
    return list(documents.values()), rows


def corpus_jsonl(documents: Iterable[CorpusDocument]) -> str:
    """The knowledge-base import rows ``{"id", "title", "text"}``, one per line."""
    return "".join(json.dumps(asdict(d), ensure_ascii=False) + "\n" for d in documents)


@dataclass(frozen=True)
class CachedKb:
    path: Path
    documents: int
    reused: bool
    seconds: float
    """time spent building it (0 when reused)"""


def ensure_kb(
    documents: Sequence[CorpusDocument], stem: str, cache_dir: Path, settings: Settings
) -> CachedKb:
    """The knowledge base of ``documents``, built once per distinct corpus and cached.

    It is built as ``claimcheck kb import`` builds one (the configured knowledge base with
    the process's embedding model, so dense retrieval has its sentence vectors), under a
    temporary name that is renamed when the import succeeded: a half-built file is never
    reused. The name's hash covers the corpus and the embedding model.
    """
    from workers.components import knowledge_base_config
    from workers.context import build_process_embedder
    from workers.sources.registry import open_knowledge_base

    embedder = build_process_embedder(settings)
    text = corpus_jsonl(documents)
    model = embedder.model_id if embedder is not None else "no-embedder"
    digest = hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()[:12]
    kb_path = cache_dir / f"{stem}-{digest}.sqlite3"
    if kb_path.exists():
        return CachedKb(kb_path, len(documents), reused=True, seconds=0.0)
    started = time.perf_counter()
    cache_dir.mkdir(parents=True, exist_ok=True)
    corpus = cache_dir / f"{stem}-{digest}.jsonl"
    corpus.write_text(text, encoding="utf-8")
    partial = cache_dir / f".{stem}-{digest}.{os.getpid()}.partial.sqlite3"
    try:
        kb = open_knowledge_base(knowledge_base_config(settings), embedder, partial)
        try:
            kb.import_jsonl(corpus)
        finally:
            kb.close()
        for suffix in ("-wal", "-shm"):  # normally gone after close; kept with the file if not
            side = Path(f"{partial}{suffix}")
            if side.exists():
                os.replace(side, Path(f"{kb_path}{suffix}"))
        os.replace(partial, kb_path)
    finally:
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    return CachedKb(kb_path, len(documents), reused=False, seconds=time.perf_counter() - started)


@dataclass(frozen=True)
class RecallScores:
    hits: int
    rows: int
    """rows counted: gold label supported or refuted, with gold evidence"""
    recall: float | None
    """hits / rows; None when no row counts"""
    k: int


def evidence_recall(
    labels: Sequence[str],
    gold_ids: Sequence[frozenset[str]],
    predicted_ids: Sequence[Sequence[str]],
    *,
    k: int = RECALL_K,
) -> RecallScores:
    """Share of supported/refuted rows with gold evidence whose first ``k`` evidence items
    include a gold document."""
    if not len(labels) == len(gold_ids) == len(predicted_ids):
        raise ValueError("labels, gold ids and predicted ids differ in length")
    hits = rows = 0
    for label, gold, predicted in zip(labels, gold_ids, predicted_ids, strict=True):
        if label not in DECIDED_LABELS or not gold:
            continue
        rows += 1
        hits += any(doc_id in gold for doc_id in predicted[:k])
    return RecallScores(hits=hits, rows=rows, recall=hits / rows if rows else None, k=k)


def open_settings(settings: Settings, kb_path: Path) -> Settings:
    """``settings`` with the knowledge base at ``kb_path`` as the only source."""
    return load_settings(
        **{**settings.model_dump(), "sources": ["knowledge_base"], "kb_path": kb_path}
    )


@dataclass
class OpenFileReport:
    file: str
    role: Role
    rows: int
    corpus_documents: int
    kb_path: str
    kb_reused: bool
    kb_seconds: float
    open: FileReport
    """the verdicts reached with retrieved evidence"""
    recall: RecallScores
    given: FileReport | None
    """the same rows with their given evidence; None with ``compare=False``"""
    accuracy_gap: float | None
    """open accuracy minus given accuracy"""
    verifier_version: str


def evaluate_open_file(
    path: Path,
    role: Role,
    settings: Settings,
    *,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    work_dir: Path,
    limit: int | None = None,
    compare: bool = True,
    progress: bool = False,
) -> OpenFileReport | None:
    """Verify the file's claims against the pooled corpus of its evidence (first ``limit``
    rows; the corpus is always the whole file's). None when the file has no evidence."""
    from workers.context import open_verifier
    from workers.verification.batch import verify_batch

    documents, rows = read_labelled(path)
    if not documents:
        return None
    # built with the settings the verifier gets, so both use the same embedding model
    kb = ensure_kb(documents, path.stem, cache_dir, open_settings(settings, settings.kb_path))
    rows = rows[:limit] if limit else rows
    work_dir.mkdir(parents=True, exist_ok=True)
    claims = work_dir / f"{path.stem}.open.input.jsonl"
    claims.write_text(
        "".join(
            json.dumps({"id": r.id, "claim": r.claim}, ensure_ascii=False) + "\n" for r in rows
        ),
        encoding="utf-8",
    )
    predictions_path = work_dir / f"{path.stem}.open.predictions.jsonl"
    with open_verifier(open_settings(settings, kb.path)) as verifier:
        pairs_before = verifier.pairs_scored
        stats = verify_batch(claims, predictions_path, verifier, progress=progress)
        pairs = verifier.pairs_scored - pairs_before
        given = (
            evaluate_file(path, role, verifier, work_dir / "given", limit=limit, progress=progress)
            if compare
            else None
        )
    predictions = read_predictions(predictions_path)
    report = build_report(
        path.name,
        role,
        [(str(r.id), r.label) for r in rows],
        predictions,
        seconds=stats.seconds,
        pairs=pairs,
    )
    recall = evidence_recall(
        [r.label for r in rows], [r.gold_ids for r in rows], [p.evidence_ids for p in predictions]
    )
    return OpenFileReport(
        file=path.name,
        role=role,
        rows=len(rows),
        corpus_documents=kb.documents,
        kb_path=str(kb.path),
        kb_reused=kb.reused,
        kb_seconds=kb.seconds,
        open=report,
        recall=recall,
        given=given,
        accuracy_gap=report.accuracy - given.accuracy if given is not None else None,
        verifier_version=verifier.version,
    )


def _num(value: float | None, spec: str = ".3f") -> str:
    return format(value, spec) if value is not None else "-"


def render_open(report: OpenFileReport) -> str:
    """One file's block: the corpus, the open-retrieval scores, recall and the gap."""
    r, o = report.recall, report.open
    kb = "reused" if report.kb_reused else f"built in {report.kb_seconds:.1f}s"
    lines = [
        f"open retrieval: {report.corpus_documents} documents in {report.kb_path} ({kb})",
        render(o),
        f"  evidence recall@{r.k}={_num(r.recall)} ({r.hits}/{r.rows} supported/refuted rows)",
    ]
    if report.given is not None:
        lines.append(
            f"  given evidence: accuracy={report.given.accuracy:.3f} "
            f"decided precision={_num(report.given.decided.precision)} "
            f"coverage={report.given.decided.coverage:.3f}; "
            f"accuracy gap (open - given)={report.accuracy_gap:+.3f}"
        )
    return "\n".join(lines)


def render_open_table(reports: Sequence[OpenFileReport]) -> str:
    """A Markdown table, one line per file, and each file's decided-precision check."""
    lines = [
        "| file | role | rows | documents | accuracy | macro-F1 | decided P | coverage "
        f"| claims/s | recall@{RECALL_K} | given acc | gap |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for rep in reports:
        o = rep.open
        lines.append(
            f"| {rep.file} | {rep.role} | {rep.rows} | {rep.corpus_documents} "
            f"| {o.accuracy:.3f} | {o.macro_f1:.3f} | {_num(o.decided.precision)} "
            f"| {o.decided.coverage:.3f} | {o.claims_per_second:.1f} | {_num(rep.recall.recall)} "
            f"| {_num(rep.given.accuracy if rep.given else None)} "
            f"| {_num(rep.accuracy_gap, '+.3f')} |"
        )
    lines.append("")
    lines += [f"{rep.file} (open): {check_line(rep.open.decided)}" for rep in reports]
    return "\n".join(lines)


def to_json(reports: Sequence[OpenFileReport]) -> dict[str, Any]:
    return {"recall_k": RECALL_K, "files": [asdict(r) for r in reports]}


@dataclass(frozen=True)
class RetrievalCurve:
    """How often a gold sentence is among the first ``k`` sentences retrieval hands on."""

    file: str
    rows: int
    """supported/refuted rows with gold evidence"""
    recall: dict[int, float]
    """k -> share of those rows with a gold document among the first k selected sentences"""
    ms_per_claim: float
    """retrieval time per claim (no stance scoring)"""


def retrieval_curve(
    path: Path,
    settings: Settings,
    ks: Sequence[int],
    *,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    limit: int | None = None,
) -> RetrievalCurve | None:
    """Recall of the sentences that would reach the stance model, for each pairs limit.

    Uses the same knowledge base as :func:`evaluate_open_file` and the verifier's own
    selection (:func:`~workers.verification.pipeline.select`), without scoring anything,
    so choosing ``CLAIMCHECK_STANCE_PAIRS_MAX`` costs retrieval time only.
    """
    from workers.components import knowledge_base_config
    from workers.context import build_process_embedder
    from workers.sources.registry import open_knowledge_base
    from workers.verification.candidates import select, sentences_of

    documents, rows = read_labelled(path)
    if not documents:
        return None
    built = ensure_kb(documents, path.stem, cache_dir, settings=settings)
    counted = [r for r in rows if r.label in DECIDED_LABELS and r.gold_ids][:limit]
    hits = dict.fromkeys(ks, 0)
    started = time.perf_counter()
    with open_knowledge_base(
        knowledge_base_config(settings), build_process_embedder(settings), built.path
    ) as kb:
        for row in counted:
            candidates = sentences_of(kb.search(row.claim, settings.kb_top_sentences))
            chosen = [c.passage.doc_id for c in select(row.claim, candidates, max(ks))]
            for k in ks:
                hits[k] += any(doc_id in row.gold_ids for doc_id in chosen[:k])
    seconds = time.perf_counter() - started
    n = len(counted)
    return RetrievalCurve(
        file=path.name,
        rows=n,
        recall={k: hits[k] / n if n else 0.0 for k in ks},
        ms_per_claim=1000 * seconds / n if n else 0.0,
    )
