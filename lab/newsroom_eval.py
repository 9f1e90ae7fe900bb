"""``claimcheck-lab eval-newsroom``: verdicts on newsroom-style sets, with retrieval.

A set is a folder with ``kb.jsonl`` (documents ``{id, title, text, url}``, look-alike decoys
among them) and ``claims.jsonl`` (``{id, claim, label, kind, gold_doc, gold_sentence, slot,
note}``), as in ``../shared/data/newsroom/`` and ``examples/newsroom/``. The knowledge base
is imported as ``claimcheck kb import`` does (cached under ``--cache-dir`` by content), each
claim is verified against it alone (no evidence given), and per set this prints:

* **accuracy** over all claims;
* **refuted caught**: refuted claims labelled refuted whose *first refuting* evidence item is
  the gold sentence (one of the two, for claims that need two sentences);
* **decided precision / coverage**: verdicts published without review, and how many of
  them are right;
* **not_enough_info recall**; the claims per second, and the share of the check time spent
  lining sentences up with the claim (typed slots), for the cost of the alignment.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.commands import Subparsers, add_command
from shared.settings import Settings

if TYPE_CHECKING:
    from lab.open_eval import CorpusDocument

DEFAULT_SETS = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "newsroom",
    Path(__file__).resolve().parents[1] / "examples" / "newsroom",
)


@dataclass(frozen=True)
class NewsroomClaim:
    id: str
    claim: str
    label: str
    kind: str
    gold_sentence: str | None


@dataclass
class SetReport:
    name: str
    claims: int
    accuracy: float
    refuted_caught: float
    decided: int
    decided_precision: float | None
    coverage: float
    nei_recall: float
    claims_per_second: float
    align_share: float
    """Share of the check time spent lining sentences up with the claim."""
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    misses: list[dict[str, Any]] = field(default_factory=list)


def discover_sets(roots: list[Path]) -> list[Path]:
    """Every folder under ``roots`` holding a ``kb.jsonl`` and a ``claims.jsonl``."""
    found: list[Path] = []
    for root in roots:
        if (root / "kb.jsonl").is_file():
            found.append(root)
        elif root.is_dir():
            found += sorted(
                p.parent for p in root.glob("*/claims.jsonl") if (p.parent / "kb.jsonl").is_file()
            )
    return found


def read_claims(path: Path) -> list[NewsroomClaim]:
    rows = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    return [
        NewsroomClaim(
            str(r["id"]), r["claim"], r["label"], r.get("kind", ""), r.get("gold_sentence")
        )
        for r in rows
    ]


def read_documents(folder: Path) -> list[CorpusDocument]:
    """The set's knowledge base as corpus documents (what ``kb import`` reads)."""
    from lab.open_eval import CorpusDocument

    lines = (folder / "kb.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return [
        CorpusDocument(id=d["id"], title=d["title"], text=d["text"], url=d.get("url")) for d in rows
    ]


def first_refuting(verdict: dict[str, Any]) -> str | None:
    for item in verdict.get("evidence", []):
        if item.get("stance") == "refutes":
            return str(item["text"])
    return None


def caught(claim: NewsroomClaim, verdict: dict[str, Any]) -> bool:
    """Refuted, with the gold sentence as the first refuting evidence."""
    if verdict["label"] != "refuted" or not claim.gold_sentence:
        return False
    first = first_refuting(verdict)
    return first is not None and (first == claim.gold_sentence or first in claim.gold_sentence)


def score_set(
    name: str,
    claims: list[NewsroomClaim],
    verdicts: list[dict[str, Any]],
    seconds: float,
    align_seconds: float = 0.0,
) -> SetReport:
    right = [v["label"] == c.label for c, v in zip(claims, verdicts, strict=True)]
    refuted = [(c, v) for c, v in zip(claims, verdicts, strict=True) if c.label == "refuted"]
    nei = [v for c, v in zip(claims, verdicts, strict=True) if c.label == "not_enough_info"]
    decided = [ok for ok, v in zip(right, verdicts, strict=True) if not v["needs_review"]]
    confusion: dict[str, Counter[str]] = {}
    misses = []
    for c, v in zip(claims, verdicts, strict=True):
        confusion.setdefault(c.label, Counter())[v["label"]] += 1
        if v["label"] != c.label or (c.label == "refuted" and not caught(c, v)):
            misses.append(
                {
                    "id": c.id,
                    "kind": c.kind,
                    "gold": c.label,
                    "label": v["label"],
                    "confidence": v["confidence"],
                    "needs_review": v["needs_review"],
                    "claim": c.claim,
                    "reason": v.get("reason"),
                    "first": (v.get("evidence") or [{}])[0].get("text"),
                }
            )
    return SetReport(
        name=name,
        claims=len(claims),
        accuracy=sum(right) / len(claims) if claims else 0.0,
        refuted_caught=sum(caught(c, v) for c, v in refuted) / len(refuted) if refuted else 0.0,
        decided=len(decided),
        decided_precision=sum(decided) / len(decided) if decided else None,
        coverage=len(decided) / len(claims) if claims else 0.0,
        nei_recall=sum(v["label"] == "not_enough_info" for v in nei) / len(nei) if nei else 0.0,
        claims_per_second=len(claims) / seconds if seconds > 0 else 0.0,
        align_share=align_seconds / seconds if seconds > 0 else 0.0,
        confusion={k: dict(v) for k, v in confusion.items()},
        misses=misses,
    )


def evaluate_set(folder: Path, settings: Settings, cache_dir: Path) -> SetReport:
    from lab.open_eval import ensure_kb, open_settings
    from workers.context import open_verifier

    kb = ensure_kb(
        read_documents(folder),
        f"newsroom-{folder.name}",
        cache_dir,
        open_settings(settings, settings.kb_path),
    )
    claims = read_claims(folder / "claims.jsonl")
    verdicts: list[dict[str, Any]] = []
    with open_verifier(open_settings(settings, kb.path)) as verifier:
        started = time.perf_counter()
        aligning = verifier.align_seconds
        for claim in claims:
            verdict = verifier.verify(claim.id, claim.claim, tolerate_source_errors=False)
            verdicts.append(verdict.model_dump(mode="json"))
        seconds = time.perf_counter() - started
        aligning = verifier.align_seconds - aligning
    return score_set(folder.name, claims, verdicts, seconds, aligning)


def render(reports: list[SetReport]) -> str:
    lines = [
        f"{'set':<14} {'claims':>6} {'acc':>6} {'ref.caught':>10} {'decided':>8} {'prec':>6} "
        f"{'cov':>6} {'nei.rec':>7} {'claims/s':>8} {'align':>6}"
    ]
    for r in reports:
        prec = f"{r.decided_precision:.3f}" if r.decided_precision is not None else "-"
        lines.append(
            f"{r.name:<14} {r.claims:>6} {r.accuracy:6.3f} {r.refuted_caught:10.3f} "
            f"{r.decided:>8} {prec:>6} {r.coverage:6.3f} {r.nei_recall:7.3f} "
            f"{r.claims_per_second:8.2f} {r.align_share:6.1%}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace, settings: Settings) -> int:
    roots = [Path(p) for p in args.sets] if args.sets else list(DEFAULT_SETS)
    sets = discover_sets(roots)
    if not sets:
        print(
            "claimcheck-lab eval-newsroom: no set found (a folder with kb.jsonl and "
            "claims.jsonl) under " + ", ".join(str(r) for r in roots)
        )
        return 0
    reports = [evaluate_set(folder, settings, args.cache_dir) for folder in sets]
    print(render(reports))
    if args.misses:
        for r in reports:
            for miss in r.misses:
                print(json.dumps({"set": r.name, **miss}, ensure_ascii=False))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps([asdict(r) for r in reports], indent=1), encoding="utf-8")
    return 0


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers,
        "eval-newsroom",
        run,
        help="verdicts on newsroom-style sets (a KB with decoys, single claims), with retrieval",
    )
    p.add_argument(
        "sets",
        nargs="*",
        help="set folders or folders of sets "
        "(default: ../shared/data/newsroom and examples/newsroom)",
    )
    p.add_argument(
        "--cache-dir", type=Path, default=Path("var/eval-newsroom"), help="imported knowledge bases"
    )
    p.add_argument(
        "--output", type=Path, default=Path("var/eval/newsroom.json"), help="JSON report"
    )
    p.add_argument(
        "--misses", action="store_true", help="print every wrong verdict and uncaught refutation"
    )
