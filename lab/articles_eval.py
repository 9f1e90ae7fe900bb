"""``claimcheck-lab eval-articles``: the claim extractor on hand-labelled news articles.

Each folder under ``examples/articles/`` holds ``article.txt`` and ``gold.json`` (the format:
``examples/articles/README.md``): every checkable statement with the stand-alone text a
fact-checker would check and its speaker, and every sentence that is not a claim, with why.
The extractor that ``claimcheck extract`` runs (:meth:`ClaimExtractor.analyse`, given the
article's ``published_at``) reads each article. The tuned articles and the held-out one
(``"held_out": true``; nobody tunes on it) are totalled apart. The metrics and the matching
rule are documented in ``docs/articles-eval.md``; the reference rules (names, dates,
speakers) live in :mod:`lab.articles_refs`.

Matching: a claim *covers* a gold sentence when their character spans overlap by at least
half of the shorter of the two (a claim split from, or merged with, the gold sentence still
covers it; a boundary off by a word does not). A claim is scored against the gold sentence
it overlaps most.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.commands import Subparsers, add_command
from lab.articles_refs import resolution_misses, same_speaker, wrong_references
from shared.errors import InputError
from shared.settings import Settings

if TYPE_CHECKING:
    from services.intake.extraction import Extraction

DEFAULT_ROOT = Path(__file__).resolve().parents[1] / "examples" / "articles"


@dataclass(frozen=True)
class GoldSentence:
    """A labelled sentence: ``text[start:end] == original``."""

    original: str
    start: int
    end: int
    stand_alone: str | None = None
    """A checkable statement's stand-alone text; None for a not_claim."""
    speaker: str | None = None
    reason: str | None = None
    """Why a not_claim is not a claim; None for a checkable statement."""


@dataclass(frozen=True)
class GoldArticle:
    slug: str
    text: str
    published_at: datetime | None
    held_out: bool
    statements: tuple[GoldSentence, ...]
    not_claims: tuple[GoldSentence, ...]


@dataclass(frozen=True)
class ProducedClaim:
    """What the eval reads of one of the extractor's claims."""

    start: int
    end: int
    text: str
    source_text: str
    speaker: str | None = None


@dataclass(frozen=True)
class Skip:
    """A sentence the extractor did not make a claim, and why (``below_threshold 0.31``)."""

    start: int
    end: int
    why: str


@dataclass
class ArticleReport:
    name: str
    held_out: bool
    statements: int = 0
    kept: int = 0
    claims: int = 0
    matched: int = 0
    """Claims scored against a gold statement (their most-overlapped gold sentence)."""
    wrong_referent: int = 0
    speaker_right: int = 0
    refs_needed: int = 0
    """Names and dates the gold stand-alone texts add to their sentences."""
    refs_resolved: int = 0
    not_claims: int = 0
    not_claims_extracted: int = 0
    unlabelled: int = 0
    """Claims that cover no gold sentence."""
    missed: list[dict[str, str]] = field(default_factory=list)
    wrong: list[dict[str, Any]] = field(default_factory=list)
    unresolved: list[dict[str, Any]] = field(default_factory=list)
    speaker_errors: list[dict[str, str | None]] = field(default_factory=list)
    extracted_not_claims: list[dict[str, str]] = field(default_factory=list)

    def rates(self) -> dict[str, float | None]:
        return {
            "recall": _ratio(self.kept, self.statements),
            "wrong_referent_rate": _ratio(self.wrong_referent, self.matched),
            "speaker_accuracy": _ratio(self.speaker_right, self.matched),
            "refs_resolved_rate": _ratio(self.refs_resolved, self.refs_needed),
            "not_claims_extracted_rate": _ratio(self.not_claims_extracted, self.not_claims),
        }

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), **self.rates()}


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# ---------------------------------------------------------------------------------- gold


def load_article(folder: Path) -> GoldArticle:
    """``folder/article.txt`` and ``folder/gold.json``, every original located in the text.

    An original must occur exactly once in the article, and no two labelled sentences may
    overlap: anything else is an :class:`InputError` naming the file.
    """
    gold_path = folder / "gold.json"
    try:
        text = (folder / "article.txt").read_text(encoding="utf-8")
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the article in {folder}: {exc}") from exc

    def locate(row: dict[str, Any], checkable: bool) -> GoldSentence:
        original = row.get("original")
        if not isinstance(original, str) or text.count(original) != 1:
            raise InputError(f"{gold_path}: not exactly once in article.txt: {original!r}")
        start = text.index(original)
        if checkable:
            if not isinstance(row.get("stand_alone"), str):
                raise InputError(f"{gold_path}: statement without stand_alone: {original!r}")
            return GoldSentence(
                original, start, start + len(original), row["stand_alone"], row.get("speaker")
            )
        if not isinstance(row.get("reason"), str):
            raise InputError(f"{gold_path}: not_claim without a reason: {original!r}")
        return GoldSentence(original, start, start + len(original), reason=row["reason"])

    statements = tuple(locate(r, True) for r in gold.get("statements", []))
    not_claims = tuple(locate(r, False) for r in gold.get("not_claims", []))
    spans = sorted((s.start, s.end, s.original) for s in statements + not_claims)
    for (_, end, first), (start, _, second) in itertools.pairwise(spans):
        if start < end:
            raise InputError(f"{gold_path}: {first!r} overlaps {second!r}")
    published = gold.get("published_at")
    return GoldArticle(
        slug=folder.name,
        text=text,
        published_at=datetime.fromisoformat(published) if published else None,
        held_out=gold.get("held_out") is True,
        statements=statements,
        not_claims=not_claims,
    )


def discover(paths: Iterable[Path]) -> list[Path]:
    """Article folders: each path that holds a ``gold.json``, or its sub-folders that do."""
    found: list[Path] = []
    for path in paths:
        if (path / "gold.json").is_file():
            found.append(path)
        elif path.is_dir():
            found += sorted(p.parent for p in path.glob("*/gold.json"))
    return found


# ------------------------------------------------------------------------------ matching


def overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    return max(0, min(a_end, b_end) - max(a_start, b_start))


def covers(claim: ProducedClaim, gold: GoldSentence) -> bool:
    """The spans overlap by at least half of the shorter one."""
    shared = overlap(claim.start, claim.end, gold.start, gold.end)
    return shared > 0 and 2 * shared >= min(claim.end - claim.start, gold.end - gold.start)


def best_match(claim: ProducedClaim, golds: Sequence[GoldSentence]) -> GoldSentence | None:
    """The covered gold sentence the claim overlaps most (the earliest on a tie)."""
    best: GoldSentence | None = None
    best_overlap = 0
    for gold in golds:
        if covers(claim, gold):
            shared = overlap(claim.start, claim.end, gold.start, gold.end)
            if shared > best_overlap:
                best, best_overlap = gold, shared
    return best


def why_not_kept(gold: GoldSentence, claims: Sequence[ProducedClaim], skips: Sequence[Skip]) -> str:
    """The extractor's reasons for the sentences over a gold statement no claim covers."""
    reasons = [s.why for s in skips if overlap(s.start, s.end, gold.start, gold.end)]
    partial = [c for c in claims if overlap(c.start, c.end, gold.start, gold.end)]
    reasons += [f"claim [{c.start}:{c.end}] covers under half of it" for c in partial]
    return "; ".join(reasons) or "no sentence of the extractor over it"


# ------------------------------------------------------------------------------- scoring


def score_article(
    article: GoldArticle, claims: Sequence[ProducedClaim], skips: Sequence[Skip]
) -> ArticleReport:
    """The report of one article, from the extractor's claims and skipped sentences."""
    report = ArticleReport(
        name=article.slug,
        held_out=article.held_out,
        statements=len(article.statements),
        claims=len(claims),
        not_claims=len(article.not_claims),
    )
    for gold in article.statements:
        if any(covers(c, gold) for c in claims):
            report.kept += 1
        else:
            report.missed.append(
                {"original": gold.original, "why": why_not_kept(gold, claims, skips)}
            )
    for gold in article.not_claims:
        extracted = [c for c in claims if covers(c, gold)]
        if extracted:
            report.not_claims_extracted += 1
            report.extracted_not_claims.append(
                {"original": gold.original, "reason": gold.reason or "", "claim": extracted[0].text}
            )
    labelled = article.statements + article.not_claims
    for claim in claims:
        match = best_match(claim, labelled)
        if match is None:
            report.unlabelled += 1
        elif match.stand_alone is not None:
            _score_claim(report, claim, match, match.stand_alone)
    return report


def _score_claim(
    report: ArticleReport, claim: ProducedClaim, gold: GoldSentence, stand: str
) -> None:
    report.matched += 1
    wrong = wrong_references(claim.text, claim.source_text, stand)
    if wrong:
        report.wrong_referent += 1
        report.wrong.append({"claim": claim.text, "gold": stand, "not_the_referent": wrong})
    needed, missing = resolution_misses(claim.text, gold.original, stand)
    report.refs_needed += needed
    report.refs_resolved += needed - len(missing)
    if missing:
        report.unresolved.append({"claim": claim.text, "missing": missing})
    if same_speaker(claim.speaker, gold.speaker):
        report.speaker_right += 1
    else:
        report.speaker_errors.append(
            {"claim": claim.text, "speaker": claim.speaker, "gold": gold.speaker}
        )


def total(reports: Sequence[ArticleReport], name: str, held_out: bool) -> ArticleReport:
    """The counts of ``reports`` summed (the rates are recomputed from them)."""
    summed = ArticleReport(name=name, held_out=held_out)
    for counter in (
        "statements",
        "kept",
        "claims",
        "matched",
        "wrong_referent",
        "speaker_right",
        "refs_needed",
        "refs_resolved",
        "not_claims",
        "not_claims_extracted",
        "unlabelled",
    ):
        setattr(summed, counter, sum(getattr(r, counter) for r in reports))
    return summed


def totals(reports: Sequence[ArticleReport]) -> list[ArticleReport]:
    tuned = [r for r in reports if not r.held_out]
    held = [r for r in reports if r.held_out]
    return [
        total(tuned, f"TOTAL tuned ({len(tuned)})", False),
        total(held, f"TOTAL held-out ({len(held)})", True),
    ]


# ------------------------------------------------------------------- running the extractor


def read_extraction(result: Extraction, text: str) -> tuple[list[ProducedClaim], list[Skip]]:
    claims = [
        ProducedClaim(c.start, c.end, c.text, c.source_text, c.speaker) for c in result.claims
    ]
    skips = []
    for s in result.skipped_sentences(text):
        why = str(s.reason)
        if s.reason == "non_english":
            why += f" {s.language}"
        elif s.detail:
            why += f" {s.detail}"
        elif s.score is not None:
            why += f" {s.score:.2f}"
        skips.append(Skip(s.start, s.end, why))
    return claims, skips


Analyse = Callable[[str, datetime | None], "Extraction"]


def evaluate(article: GoldArticle, analyse: Analyse) -> ArticleReport:
    claims, skips = read_extraction(analyse(article.text, article.published_at), article.text)
    return score_article(article, claims, skips)


# ------------------------------------------------------------------------------ printing


def _frac(part: int, whole: int) -> str:
    return f"{part}/{whole} {part / whole:.2f}" if whole else f"{part}/0 -"


def render_table(reports: Sequence[ArticleReport]) -> str:
    header = (
        f"{'article':<24} {'set':<8} {'kept (recall)':>14} {'claims':>6} "
        f"{'wrong referent':>15} {'speaker right':>14} {'refs resolved':>14} "
        f"{'not_claims extracted':>21} {'unlabelled':>10}"
    )
    rule = "-" * len(header)
    lines = [header, rule]
    for r in [*reports, None, *totals(reports)]:
        if r is None:
            lines.append(rule)
            continue
        lines.append(
            f"{r.name:<24} {'held-out' if r.held_out else 'tuned':<8} "
            f"{_frac(r.kept, r.statements):>14} {r.claims:>6} "
            f"{_frac(r.wrong_referent, r.matched):>15} {_frac(r.speaker_right, r.matched):>14} "
            f"{_frac(r.refs_resolved, r.refs_needed):>14} "
            f"{_frac(r.not_claims_extracted, r.not_claims):>21} {r.unlabelled:>10}"
        )
    return "\n".join(lines)


def render_details(report: ArticleReport) -> str:
    lines = [f"== {report.name}{' (held out)' if report.held_out else ''}"]
    if report.missed:
        lines.append("  gold statements not kept:")
        lines += [f"    - [{m['why']}] {m['original']}" for m in report.missed]
    if report.wrong:
        lines.append("  wrong referent:")
        for w in report.wrong:
            lines.append(f"    - {', '.join(w['not_the_referent'])}: {w['claim']}")
            lines.append(f"      gold: {w['gold']}")
    if report.unresolved:
        lines.append("  references the gold resolves and the claim does not:")
        lines += [f"    - {', '.join(u['missing'])}: {u['claim']}" for u in report.unresolved]
    if report.speaker_errors:
        lines.append("  speaker:")
        lines += [
            f"    - {e['speaker']!r} (gold {e['gold']!r}): {e['claim']}"
            for e in report.speaker_errors
        ]
    if report.extracted_not_claims:
        lines.append("  not_claims extracted:")
        lines += [f"    - [{n['reason']}] {n['original']}" for n in report.extracted_not_claims]
    return "\n".join(lines)


def as_json(reports: Sequence[ArticleReport]) -> dict[str, Any]:
    tuned, held = totals(reports)
    return {
        "articles": [r.as_json() for r in reports],
        "totals": {"tuned": tuned.as_json(), "held_out": held.as_json()},
    }


def run(args: argparse.Namespace, settings: Settings) -> int:
    from services.intake.extraction import ClaimExtractor

    folders = discover([Path(p) for p in args.articles] or [DEFAULT_ROOT])
    if not folders:
        raise InputError("eval-articles: no article folder (with a gold.json) found")
    articles = [load_article(f) for f in folders]
    extractor = ClaimExtractor.warmed_up(
        settings.spacy_model, threshold=settings.checkworthiness_threshold
    )
    try:
        reports = [evaluate(a, extractor.analyse) for a in articles]
    finally:
        extractor.close()
    if args.json:
        print(json.dumps(as_json(reports), ensure_ascii=False, indent=1))
        return 0
    print(render_table(reports))
    if not args.summary:
        for report in reports:
            print()
            print(render_details(report))
    return 0


def register(subparsers: Subparsers) -> None:
    p = add_command(
        subparsers,
        "eval-articles",
        run,
        help="the claim extractor on hand-labelled articles: statements kept, wrong "
        "referents, speakers, not_claims extracted (tuned and held-out apart)",
    )
    p.add_argument(
        "articles",
        nargs="*",
        help="article folders (article.txt + gold.json) or folders of them "
        "(default: examples/articles)",
    )
    p.add_argument("--json", action="store_true", help="the reports and totals as JSON")
    p.add_argument(
        "--summary", action="store_true", help="the table only, without the per-article lists"
    )
