"""``claimcheck-lab calibrate``: fit the claim-level decision and its review thresholds on dev.

Every dev file of ``../shared/data/verification`` is judged by the verifier with its given
evidence (sentence selection and stance model as in service); the stance scores are cached
under ``var/calibrate/`` (keyed by the stance model and the pairs limit), so refitting
after a change to the decision's features costs seconds. Then
:func:`lab.decision_fit.fit_decision` fits the model (out-of-fold
temperature and thresholds) and writes ``decision.json`` beside the stance model.

The report gives, per dev file, out-of-fold numbers for the fitted decision next to the
old rule ("the most decisive sentence decides"): accuracy, macro-F1, ECE, decided
precision and coverage. Only dev files are read (DATA.md allows tuning on them);
evaluation-only files are never touched.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.commands import Subparsers, add_command
from lab.decision_fit import OPEN_SUFFIX
from lab.evaluate import DEFAULT_DATA_DIR
from shared.jsonl import iter_objects
from shared.settings import Settings

if TYPE_CHECKING:
    from workers.verification.pipeline import Verifier

CACHE_DIR = Path("var/calibrate")
OPEN_ROWS_MAX = 1000
"""Claims per dev file judged on retrieved evidence (a fixed hash sample of the file):
enough to fit on, about 8 minutes for all dev files on two cores."""


@dataclass(frozen=True)
class JudgedRow:
    id: str
    file: str
    label: str
    claim: str
    sentences: list[str]
    scores: list[list[float]]
    """[supports, refutes, neutral] per sentence"""
    titles: list[str] = field(default_factory=list)
    """The titles of the documents the sentences came from (names the alignment knows)."""
    similarities: list[float | None] = field(default_factory=list)
    """Each sentence's embedding cosine to the claim, where retrieval computed it."""
    joined: list[float] | None = None
    """[supports, refutes, neutral] of the sentences read together (two or more)."""


def run_from_reviews(args: argparse.Namespace, settings: Settings) -> int:
    """Refit the confidence maps on the newsroom's editors' rulings (see
    :mod:`lab.review_calibration`)."""
    from lab.review_calibration import refit, reviewed_points, write_refit
    from shared.settings_configs import store_config
    from shared.store.claims import ClaimStore
    from shared.store.client import make_redis
    from shared.store.keys import NO_NEWSROOM, newsroom_namespace

    newsroom = None if args.newsroom in (None, NO_NEWSROOM) else args.newsroom
    client = make_redis(settings)
    try:
        points = reviewed_points(client, ClaimStore(client, store_config(settings)), newsroom)
    finally:
        client.close()
    result = refit(points, min_reviews=args.min_reviews, newsroom=newsroom)
    # the worker reads DIR/<newsroom>.json (CLAIMCHECK_REVIEW_CALIBRATION_DIR=var/calibrate/reviews)
    output = args.output or CACHE_DIR / "reviews" / f"{newsroom_namespace(newsroom)}.json"
    write_refit(result, output, newsroom)
    print(f"held-out half before: {result.before}")
    print(f"held-out half after:  {result.after}")
    print(f"confidence maps -> {output} (report: {output.with_suffix('.report.json')})")
    return 0


def run_calibrate(args: argparse.Namespace, settings: Settings) -> int:
    if args.from_reviews:
        return run_from_reviews(args, settings)
    from lab.verdict_eval import discover
    from workers.context import DECISION_FILE, build_verifier, close_verifier, stance_model_dir

    if settings.stance_scorer != "onnx":
        print("claimcheck-lab calibrate: only the onnx stance scorer is calibrated")
        return 2
    directory = (args.data_dir or DEFAULT_DATA_DIR) / "verification"
    if not directory.is_dir():
        print(f"claimcheck-lab calibrate: no benchmark data at {directory}; nothing to fit")
        return 0
    model_dir = stance_model_dir(settings)
    verifier = build_verifier(settings, calibrated=False)
    rows: list[JudgedRow] = []
    try:
        for path, _ in discover(directory, ["dev"]):
            rows += judged_rows(path, verifier, model_dir, args.limit)
            print(f"judged {path.name} with its given evidence", flush=True)
            if not args.given_only:
                rows += judged_open_rows(path, verifier, model_dir, settings, args.limit)
                print(f"judged {path.name} with evidence retrieved from its corpus", flush=True)
        for folder in newsroom_dev_sets(args.data_dir or DEFAULT_DATA_DIR):
            rows += judged_newsroom_rows(folder, verifier, model_dir, settings)
            print(f"judged newsroom set {folder.name} with retrieval from its KB", flush=True)
    finally:
        close_verifier(verifier)
    exempt = set(args.exempt) | {f"{name} {OPEN_SUFFIX}" for name in args.exempt}
    exempt |= {row.file for row in rows if row.file.endswith(OPEN_SUFFIX)}
    from lab.decision_report import fit_and_report

    report = fit_and_report(rows, target=args.target, exempt=frozenset(exempt))
    target = model_dir / DECISION_FILE
    target.write_text(report + "\n", encoding="utf-8")
    print(f"-> {target}")
    return 0


CACHE_VERSION = "4"
"""Bumped when a judged row gains a field (3: titles and similarities for the alignment;
4: the joined pass, sentences read with their context, the early exit)."""


def _cache_path(path: Path, model_dir: Path, kind: str, extra: str, verifier: Verifier) -> Path:
    reading = (
        f"{verifier.pairs_max}:{verifier.joined_max}:{getattr(verifier.scorer, 'context_words', 0)}"
    )
    key = hashlib.sha256(
        (model_dir / "model.onnx").read_bytes()[-65536:]
        + f"{extra}:{reading}:{CACHE_VERSION}".encode()
    ).hexdigest()[:12]
    return CACHE_DIR / f"{path.stem}-{kind}-{key}.jsonl"


def _read_cache(cache: Path) -> list[JudgedRow] | None:
    if not cache.exists():
        return None
    with cache.open(encoding="utf-8") as lines:
        return [JudgedRow(**row) for _, row in iter_objects(lines, where=str(cache))]


def _write_cache(cache: Path, rows: list[JudgedRow]) -> None:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as sink:
        for judged in rows:
            sink.write(json.dumps(judged.__dict__) + "\n")
    tmp.replace(cache)


def _judged(row_id: str, file: str, label: str, claim: str, assessment: Any) -> JudgedRow:
    from workers.verification.candidates import GIVEN_SOURCE

    candidates = assessment.candidates
    return JudgedRow(
        id=row_id,
        file=file,
        label=label,
        claim=claim,
        sentences=[c.text for c in candidates],
        scores=[
            [round(s.supports, 5), round(s.refutes, 5), round(s.neutral, 5)]
            for s in assessment.scores
        ],
        titles=sorted({c.passage.title for c in candidates if c.passage.source != GIVEN_SOURCE}),
        similarities=[c.passage.similarity for c in candidates],
        joined=(
            None
            if assessment.joined is None
            else [
                round(assessment.joined.supports, 5),
                round(assessment.joined.refutes, 5),
                round(assessment.joined.neutral, 5),
            ]
        ),
    )


def judged_newsroom_rows(
    folder: Path, verifier: Verifier, model_dir: Path, settings: Settings
) -> list[JudgedRow]:
    """A newsroom dev set's claims judged on what its knowledge base returns, as the
    service would (``claimcheck-lab eval-newsroom``), with their gold labels."""
    cache = _cache_path(folder / "claims.jsonl", model_dir, f"newsroom-{folder.name}", "", verifier)
    cached = _read_cache(cache)
    if cached is not None:
        return cached
    from lab.newsroom_eval import read_claims, read_documents
    from lab.open_eval import ensure_kb
    from workers.components import knowledge_base_config
    from workers.context import build_process_embedder
    from workers.sources.registry import open_knowledge_base

    built = ensure_kb(
        read_documents(folder), f"newsroom-{folder.name}", CACHE_DIR / "open", settings
    )
    embedder = build_process_embedder(settings)
    out: list[JudgedRow] = []
    with open_knowledge_base(knowledge_base_config(settings), embedder, built.path) as kb:
        for claim in read_claims(folder / "claims.jsonl"):
            assessment = verifier.assess(
                claim.claim, kb.search(claim.claim, settings.kb_top_sentences)
            )
            out.append(
                _judged(claim.id, f"newsroom/{folder.name}", claim.label, claim.claim, assessment)
            )
    _write_cache(cache, out)
    return out


def judged_open_rows(
    path: Path, verifier: Verifier, model_dir: Path, settings: Settings, limit: int | None
) -> list[JudgedRow]:
    """The file's claims judged on what the knowledge base of the file's pooled evidence
    returns (as ``claimcheck-lab eval-open`` does): the evidence sets of service.

    Label: the gold label where the sentences read include a gold evidence sentence (or
    the gold label is ``not_enough_info``), else ``not_enough_info`` (what was read does
    not decide the claim, whatever the full evidence would say).
    """
    cache = _cache_path(path, model_dir, "open", f"{settings.kb_top_sentences}:{limit}", verifier)
    cached = _read_cache(cache)
    if cached is not None:
        return cached
    from lab.open_eval import ensure_kb, read_labelled
    from workers.components import knowledge_base_config
    from workers.context import build_process_embedder
    from workers.sources.registry import open_knowledge_base

    documents, labelled = read_labelled(path)
    labelled = _sample(labelled, limit or OPEN_ROWS_MAX)
    embedder = build_process_embedder(settings)
    built = ensure_kb(documents, path.stem, CACHE_DIR / "open", settings=settings)
    out: list[JudgedRow] = []
    with open_knowledge_base(knowledge_base_config(settings), embedder, built.path) as kb:
        for row in labelled:
            if row.label == "conflicting":
                continue
            assessment = verifier.assess(row.claim, kb.search(row.claim, settings.kb_top_sentences))
            read = {c.passage.doc_id for c in assessment.candidates}
            found = row.label == "not_enough_info" or bool(read & row.gold_ids)
            label = row.label if found else "not_enough_info"
            out.append(
                _judged(
                    f"{path.name}:{row.id}",
                    f"{path.name} {OPEN_SUFFIX}",
                    label,
                    row.claim,
                    assessment,
                )
            )
    _write_cache(cache, out)
    return out


def _sample(rows: list[Any], n: int) -> list[Any]:
    """``n`` rows chosen by a hash of their id (the same ones every run), in file order."""
    if len(rows) <= n:
        return rows
    keyed = sorted(rows, key=lambda r: hashlib.sha256(str(r.id).encode()).hexdigest())
    chosen = {id(r) for r in keyed[:n]}
    return [r for r in rows if id(r) in chosen]


def judged_rows(
    path: Path, verifier: Verifier, model_dir: Path, limit: int | None
) -> list[JudgedRow]:
    """The file's rows judged by the verifier (cached; conflicting gold rows left out)."""
    cache = _cache_path(path, model_dir, "given", f"{limit}", verifier)
    cached = _read_cache(cache)
    if cached is not None:
        return cached
    from workers.verification.candidates import given_passages

    out: list[JudgedRow] = []
    for row in _rows(path, limit):
        if row["label"] == "conflicting":
            continue
        assessment = verifier.assess(row["claim"], given_passages(row["evidence"]))
        out.append(
            _judged(f"{path.name}:{row['id']}", path.name, row["label"], row["claim"], assessment)
        )
    _write_cache(cache, out)
    return out


def _rows(path: Path, limit: int | None) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for n, (_, row) in enumerate(iter_objects(lines, where=str(path))):
            if limit is not None and n >= limit:
                return
            yield row


def newsroom_dev_sets(data_dir: Path) -> list[Path]:
    """The newsroom-style dev sets (``newsroom/*/``, all dev in DATA.md)."""
    from lab.newsroom_eval import discover_sets

    return discover_sets([data_dir / "newsroom"])


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers,
        "calibrate",
        run_calibrate,
        help="fit the claim-level decision and review thresholds on the dev files",
    )
    p.add_argument("--data-dir", type=Path, default=None, help="default: ../shared/data")
    p.add_argument("--limit", type=int, default=None, help="first N rows of each dev file")
    p.add_argument(
        "--from-reviews",
        action="store_true",
        help="refit the confidence maps on editors' reviews in Redis instead of dev files",
    )
    p.add_argument("--newsroom", help="with --from-reviews: whose reviews (- for none)")
    p.add_argument(
        "--min-reviews",
        type=int,
        default=200,
        help="with --from-reviews: refuse to fit on fewer reviewed verdicts (default 200)",
    )
    p.add_argument(
        "--output",
        type=Path,
        default=None,
        help="with --from-reviews: where the maps go (default var/calibrate/reviews/N.json, "
        "the folder CLAIMCHECK_REVIEW_CALIBRATION_DIR names for the worker)",
    )
    p.add_argument(
        "--target",
        type=float,
        default=0.92,
        help="precision decided verdicts must reach on dev (default 0.92, a margin over the "
        "0.90 contract)",
    )
    p.add_argument(
        "--exempt",
        nargs="*",
        default=["averitec.dev.jsonl"],
        help="dev files reported but not held to the precision target when choosing review "
        "thresholds (default: averitec.dev, whose evidence is question-answer pairs)",
    )
    p.add_argument(
        "--given-only",
        action="store_true",
        help="fit on the given evidence only (default: also on evidence retrieved from each "
        "dev file's pooled corpus, as in service)",
    )
