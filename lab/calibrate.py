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
    from shared.keys import NO_NEWSROOM, newsroom_namespace
    from shared.redis_client import make_redis
    from shared.store import ClaimStore

    newsroom = None if args.newsroom in (None, NO_NEWSROOM) else args.newsroom
    client = make_redis(settings)
    try:
        points = reviewed_points(client, ClaimStore.from_settings(client, settings), newsroom)
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
        print("claimcheck calibrate: only the onnx stance scorer is calibrated")
        return 2
    directory = (args.data_dir or DEFAULT_DATA_DIR) / "verification"
    if not directory.is_dir():
        print(f"claimcheck calibrate: no benchmark data at {directory}; nothing to fit")
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
    from workers.context import build_process_embedder
    from workers.sources.registry import open_knowledge_base

    built = ensure_kb(
        read_documents(folder), f"newsroom-{folder.name}", CACHE_DIR / "open", settings
    )
    embedder = build_process_embedder(settings)
    out: list[JudgedRow] = []
    with open_knowledge_base(settings, embedder, built.path) as kb:
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
    from workers.context import build_process_embedder
    from workers.sources.registry import open_knowledge_base

    documents, labelled = read_labelled(path)
    labelled = _sample(labelled, limit or OPEN_ROWS_MAX)
    embedder = build_process_embedder(settings)
    built = ensure_kb(documents, path.stem, CACHE_DIR / "open", settings=settings)
    out: list[JudgedRow] = []
    with open_knowledge_base(settings, embedder, built.path) as kb:
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


def dev_matrix(rows: list[JudgedRow]) -> Any:
    import numpy as np

    from lab.decision_fit import DevRows, label_index
    from workers.verification.alignment import align_texts
    from workers.verification.decision import features, judge_sentences
    from workers.verification.stance import StanceScore

    vectors = []
    judged = []
    for row in rows:
        scores = [StanceScore(s, r, n, 1.0 - n) for s, r, n in row.scores]
        alignments = align_texts(row.claim, row.sentences, row.titles, row.similarities or None)
        judged.append(
            judge_sentences(row.claim, row.sentences, scores, alignments, row.similarities or None)
        )
        joined = None
        if row.joined is not None:
            sup, ref, nei = row.joined
            joined = StanceScore(sup, ref, nei, 1.0 - nei)
        vectors.append(features(judged[-1], joined))
    return DevRows(
        ids=[r.id for r in rows],
        files=[r.file for r in rows],
        x=np.array(vectors),
        y=label_index([r.label for r in rows]),
        judged=judged,
        retrieved=[r.file.endswith(OPEN_SUFFIX) or r.file.startswith("newsroom/") for r in rows],
    )


def fit_and_report(
    rows: list[JudgedRow], *, target: float, exempt: frozenset[str] = frozenset()
) -> str:
    """Fit on ``rows``, print the out-of-fold report; the model's JSON."""
    import numpy as np

    from lab.decision_fit import FEATURE_SETS, choose_features, fit_decision
    from workers.verification.decision import CLASSES

    dev = dev_matrix(rows)
    chosen, table = choose_features(dev)
    print_feature_table(table, chosen, _joined_argmax(dev))
    fit = fit_decision(
        dev,
        target=target,
        exempt=exempt,
        names=FEATURE_SETS[chosen.features],
        l2=chosen.l2,
        meta={
            "dev_rows": len(rows),
            "feature_set": chosen.features,
            "held_out_accuracy": {str(k): round(v["mean"], 4) for k, v in table.items()},
        },
    )
    thresholds = fit.model.review_thresholds
    policy = fit.policy
    print(f"temperature {fit.model.temperature:.3f}; review thresholds {thresholds}")
    print(
        f"{'dev file (left out)':<26} {'rows':>5} {'acc':>6} {'mF1':>6} {'ECE':>6} "
        f"{'dec.prec':>8} {'coverage':>8}   old rule: acc / dec.prec / coverage"
    )
    files = sorted(set(dev.files))
    for name in [*files, "pooled"]:
        mask = np.array([name in ("pooled", f) for f in dev.files])
        gold = [CLASSES[i] for i in dev.y[mask]]
        new = _policy_metrics(gold, [p for p, m in zip(policy, mask, strict=True) if m])
        old = _old_rule(dev.x[mask], gold)
        print(
            f"{name:<26} {int(mask.sum()):>5} {new['accuracy']:6.3f} {new['macro_f1']:6.3f} "
            f"{new['ece']:6.3f} {new['decided_precision']:8.3f} {new['coverage']:8.3f}   "
            f"{old['accuracy']:.3f} / {old['decided_precision']:.3f} / {old['coverage']:.3f}"
        )
    return fit.model.to_json()


def print_feature_table(table: dict[Any, dict[str, float]], chosen: Any, joined: Any) -> None:
    """Held-out (leave-one-dataset-out) accuracy of each decision per dev file, and of the
    stance model's own reading of the joined evidence (no fit) for reference."""
    files = [f for f in next(iter(table.values())) if f != "mean"]
    given = [f for f in files if not f.endswith(OPEN_SUFFIX) and "/" not in f]
    print("held-out accuracy of the argmax, each dev dataset left out of the fit:")
    print(f"{'decision':<36} {'mean':>6} {'given':>6}  " + " ".join(f"{f[:12]:>12}" for f in files))
    rows = [*((str(c) + (" *" if c == chosen else ""), a) for c, a in table.items())]
    rows.append(("joined-evidence argmax (no fit)", joined))
    for name, accuracy in rows:
        mean_given = sum(accuracy[f] for f in given) / len(given) if given else 0.0
        print(
            f"{name:<36} {accuracy['mean']:6.3f} {mean_given:6.3f}  "
            + " ".join(f"{accuracy[f]:12.3f}" for f in files)
        )


def _joined_argmax(dev: Any) -> dict[str, float]:
    """Per file: accuracy of the stance model's argmax over the joined pass (the one
    sentence where there is one; not_enough_info where there is none)."""
    import numpy as np

    from lab.decision_fit import held_out_accuracy
    from workers.verification.decision import FEATURES

    columns = [FEATURES.index(n) for n in ("joined_support", "joined_refute", "joined_neutral")]
    per_file = held_out_accuracy(dev, dev.x[:, columns])
    return {**per_file, "mean": float(np.mean(list(per_file.values())))}


def _policy_metrics(gold: list[str], decisions: list[Any]) -> dict[str, float]:
    """Scores of the verdict policy's held-out decisions (label, confidence, review)."""
    return _summary(
        gold,
        [d.label for d in decisions],
        [d.confidence for d in decisions],
        [d.label in ("supported", "refuted") and not d.needs_review for d in decisions],
    )


def _summary(
    gold: list[str], predicted: list[str], confidence: list[float], decided: list[bool]
) -> dict[str, float]:
    from lab.verdict_eval import expected_calibration_error, score

    accuracy, macro_f1, _ = score(gold, predicted)
    correct = [g == p for g, p in zip(gold, predicted, strict=True)]
    n_decided = sum(decided)
    return {
        "accuracy": accuracy,
        "macro_f1": macro_f1,
        "ece": expected_calibration_error(confidence, correct),
        "decided_precision": (
            sum(c for c, d in zip(correct, decided, strict=True) if d) / n_decided
            if n_decided
            else 0.0
        ),
        "coverage": n_decided / len(gold) if gold else 0.0,
    }


def _old_rule(x: Any, gold: list[str]) -> dict[str, float]:
    """The rule before the decision model: the most decisive sentence decides, reviewed
    below 0.6 (read back from the features: max support / max refutation)."""
    from workers.verification.decision import FEATURES

    sup = x[:, FEATURES.index("max_support")]
    ref = x[:, FEATURES.index("max_refute")]
    relevant = 1.0 - x[:, FEATURES.index("min_neutral")] >= 0.3
    predicted = []
    confidence = []
    for s, r, rel in zip(sup.tolist(), ref.tolist(), relevant.tolist(), strict=True):
        if rel and max(s, r) > 0.5:
            predicted.append("supported" if s >= r else "refuted")
            confidence.append(max(s, r))
        else:
            predicted.append("not_enough_info")
            confidence.append(1.0 - max(s, r))
    decided = [
        p != "not_enough_info" and c >= 0.6 for p, c in zip(predicted, confidence, strict=True)
    ]
    return _summary(gold, predicted, confidence, decided)


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
