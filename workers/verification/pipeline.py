"""The verifier: retrieve passages, split them into sentences, score, aggregate.

``Verifier.verify`` is the one entry point used by both the Celery task and the offline
``claimcheck verify-batch``, so a claim gets the same verdict either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from shared.errors import PermanentSourceError, TransientSourceError
from shared.schemas import Evidence, JudgeOpinion, SourceFailure, Verdict
from shared.settings import Settings
from workers.sources.base import Passage, Source
from workers.sources.factchecks.decision import evidence_of, is_archive_passage, strong_match
from workers.verification.aggregate import (
    AggregationParams,
    aggregate,
    is_relevant,
    stance_of,
)
from workers.verification.calibration import VerdictCalibration
from workers.verification.sentences import split_sentences
from workers.verification.stance import StanceScore, StanceScorer

if TYPE_CHECKING:
    from workers.verification.llm_judge import LlmJudge

log = logging.getLogger(__name__)

PIPELINE_REVISION = 1
GIVEN_SOURCE = "given"


@dataclass(frozen=True)
class _Candidate:
    """One evidence sentence with where it came from."""

    passage: Passage
    text: str
    context: str
    """The document title and the previous sentence, for resolving "it" and "they"."""


class Verifier:
    """Checks claims against reference sources with a stance scorer.

    Holds no per-claim state: one instance serves a whole worker process (or batch run).
    """

    def __init__(
        self,
        sources: Sequence[Source],
        scorer: StanceScorer,
        settings: Settings,
        *,
        params: AggregationParams | None = None,
        calibration: VerdictCalibration | None = None,
        judge: LlmJudge | None = None,
    ) -> None:
        self.sources = list(sources)
        self.judge = judge
        self.closers: list[Callable[[], None]] = []
        """Called by ``workers.context.close_verifier`` after the sources are closed."""
        self.scorer = scorer
        self.calibration = calibration
        self.top_passages = settings.kb_top_passages
        self.top_evidence = settings.evidence_top_k
        self.params = params or AggregationParams(
            needs_review_threshold=settings.needs_review_threshold
        )
        self.version = f"{scorer.name}-{PIPELINE_REVISION}"
        self.pairs_scored = 0
        """How many (claim, sentence) pairs this verifier has scored: for throughput figures."""
        self.factcheck_threshold: float | None = (
            settings.factcheck_match_threshold if settings.factcheck_decides else None
        )
        """Match score from which an archived fact-check decides; None: never (part B)."""

    def verify(
        self,
        claim_id: str,
        claim: str,
        *,
        article_id: str | None = None,
        evidence: Sequence[str] | None = None,
        tolerate_source_errors: bool,
    ) -> Verdict:
        """Check one claim and return its verdict (nothing is published here).

        With ``evidence`` the given texts are the only evidence (source ``given``); no
        source is searched. Otherwise every source is searched: a
        :class:`TransientSourceError` propagates (the caller retries) unless
        ``tolerate_source_errors`` is set, typically on the final attempt; then it is
        recorded in ``sources_failed``, as a :class:`PermanentSourceError` always is.
        """
        failures: list[SourceFailure] = []
        if evidence is not None:
            passages = _given_passages(evidence)
        else:
            passages = self._retrieve(claim, failures, tolerate=tolerate_source_errors)
        # fact-check archive (issue 5, part B): a strong match decides on its own. Archived
        # fact-checks are never stance-scored (their text states the claim, true or not):
        # rated ones are handled as rated passages below, unrated ones are dropped.
        archived = self._archive_verdict(claim_id, article_id, claim, passages, failures)
        if archived is not None:
            return archived
        passages = [p for p in passages if not is_archive_passage(p) or _is_rated(p)]
        rated = [p for p in passages if _is_rated(p)]  # e.g. google_factcheck: not scored
        candidates = _sentences([p for p in passages if not _is_rated(p)])
        self.pairs_scored += len(candidates)
        scores = (
            self.scorer.score(
                claim, [c.text for c in candidates], context=[c.context for c in candidates]
            )
            if candidates
            else []
        )
        if len(scores) != len(candidates):
            raise ValueError(
                f"scorer {self.scorer.name} returned {len(scores)} scores "
                f"for {len(candidates)} sentences"
            )
        decision = aggregate(scores, self.params)
        confidence = decision.confidence
        needs_review = decision.needs_review
        if self.calibration is not None:
            confidence = round(self.calibration(decision.label, confidence), 4)
            needs_review = confidence < self.params.needs_review_threshold
        if failures and not passages:
            confidence = 0.0  # nothing was looked at: no confidence in "not enough info"
        evidence_items = self._evidence(candidates, scores) + _rated_evidence(rated)
        if _contradicting_factcheck(rated, decision.label):
            needs_review = True  # a published fact-check of this claim says otherwise
        opinion = self._ask_judge(claim, decision.label, evidence_items)
        if opinion is not None and opinion.agrees is False:
            needs_review = True  # the judge disagrees: a person should look
        return Verdict(
            claim_id=claim_id,
            article_id=article_id,
            claim=claim,
            label=decision.label,
            confidence=confidence,
            needs_review=needs_review or bool(failures),
            evidence=evidence_items,
            sources_failed=failures,
            reason=_failure_reason(failures),
            checked_at=datetime.now(UTC),
            verifier_version=self.version,
            judge=opinion,
        )

    def _archive_verdict(
        self,
        claim_id: str,
        article_id: str | None,
        claim: str,
        passages: Sequence[Passage],
        failures: list[SourceFailure],
    ) -> Verdict | None:
        """The verdict of a strong fact-check match (see ``factchecks.decision``), or None.

        Its confidence is the match score; its evidence is the fact-check alone.
        """
        if self.factcheck_threshold is None:
            return None
        match = strong_match(passages, self.factcheck_threshold)
        if match is None or match.label is None:
            return None
        confidence = round(match.score, 4)
        return Verdict(
            claim_id=claim_id,
            article_id=article_id,
            claim=claim,
            label=match.label,
            confidence=confidence,
            needs_review=confidence < self.params.needs_review_threshold or bool(failures),
            evidence=[evidence_of(match)],
            sources_failed=failures,
            reason=_failure_reason(failures),
            checked_at=datetime.now(UTC),
            verifier_version=self.version,
        )

    def _ask_judge(
        self, claim: str, label: str, evidence: Sequence[Evidence]
    ) -> JudgeOpinion | None:
        """The LLM judge's opinion on the top evidence, when a judge is configured.

        The opinion never changes the label: a valid stance that differs from the label
        only sets ``needs_review``; a failed judge is recorded in ``judge.error``.
        """
        if self.judge is None or not evidence:
            return None
        opinion = self.judge.judge(claim, evidence)
        if opinion.stance is not None:
            opinion = opinion.model_copy(update={"agrees": opinion.stance == label})
        return opinion

    def _retrieve(
        self, claim: str, failures: list[SourceFailure], *, tolerate: bool
    ) -> list[Passage]:
        """Every source's passages, in source order; sources are searched concurrently.

        A source that retries within its own call (``handles_retries``, see
        :class:`~workers.sources.resilience.ResilientSource`) has its transient failures
        recorded straight away: retrying the whole task would only hold the claim longer.
        """
        if len(self.sources) == 1:
            outcomes = [_search(self.sources[0], claim, self.top_passages)]
        else:
            with ThreadPoolExecutor(
                max_workers=len(self.sources), thread_name_prefix="source"
            ) as pool:
                futures = [
                    pool.submit(_search, source, claim, self.top_passages)
                    for source in self.sources
                ]
                outcomes = [future.result() for future in futures]
        passages: list[Passage] = []
        for source, outcome in zip(self.sources, outcomes, strict=True):
            if isinstance(outcome, TransientSourceError):
                if not (tolerate or getattr(source, "handles_retries", False)):
                    raise outcome
                log.warning("source %s failed, going on without it: %s", source.name, outcome)
                failures.append(SourceFailure(source=source.name, reason=str(outcome)))
            elif isinstance(outcome, PermanentSourceError):
                log.warning("source %s failed permanently: %s", source.name, outcome)
                failures.append(SourceFailure(source=source.name, reason=str(outcome)))
            else:
                passages.extend(outcome)
        return passages

    def _evidence(
        self, candidates: Sequence[_Candidate], scores: Sequence[StanceScore]
    ) -> list[Evidence]:
        ranked = sorted(
            (
                (c, s)
                for c, s in zip(candidates, scores, strict=True)
                if is_relevant(s, self.params)
            ),
            key=lambda pair: (
                -pair[1].relevance * max(pair[1].supports, pair[1].refutes),
                -pair[1].relevance,
            ),
        )
        items: list[Evidence] = []
        for candidate, score in ranked[: self.top_evidence]:
            stance = stance_of(score)
            strength = {
                "supports": score.supports,
                "refutes": score.refutes,
                "neutral": score.neutral,
            }[stance]
            items.append(
                Evidence(
                    source=candidate.passage.source,
                    doc_id=candidate.passage.doc_id,
                    title=candidate.passage.title,
                    url=candidate.passage.url,
                    text=candidate.text,
                    stance=stance,
                    score=round(min(1.0, max(0.0, score.relevance * strength)), 4),
                    publisher=candidate.passage.publisher,
                    published=candidate.passage.published,
                    rating=candidate.passage.rating,
                )
            )
        return items


def _search(
    source: Source, claim: str, limit: int
) -> list[Passage] | TransientSourceError | PermanentSourceError:
    """One source's answer, or the source error it raised (other errors propagate)."""
    try:
        return source.search(claim, limit)
    except (TransientSourceError, PermanentSourceError) as exc:
        return exc


RATED_EVIDENCE_MAX = 3
"""Fact-checks from a search API (rated passages) shown per verdict, best match first."""
CONTRADICTION_SIMILARITY = 0.5
"""A rated passage at least this similar to the claim whose label opposes the verdict's
sets ``needs_review``."""
_OPPOSITE = {"supported": "refuted", "refuted": "supported"}


def _is_rated(passage: Passage) -> bool:
    """A published fact-check (it carries a rating): evidence to show, never to score."""
    return passage.rating is not None or passage.label is not None


def _rated_evidence(rated: Sequence[Passage]) -> list[Evidence]:
    """Fact-checks as evidence: stance from their normalised rating, score = similarity."""
    best = sorted(rated, key=lambda p: -p.score)[:RATED_EVIDENCE_MAX]
    return [evidence_of(p) for p in best]


def _contradicting_factcheck(rated: Sequence[Passage], label: str) -> bool:
    opposite = _OPPOSITE.get(label)
    return any(
        p.score >= CONTRADICTION_SIMILARITY and p.label is not None and p.label == opposite
        for p in rated
    )


def _given_passages(evidence: Sequence[str]) -> list[Passage]:
    return [
        Passage(
            source=GIVEN_SOURCE,
            doc_id=f"given-{i}",
            title=f"Given evidence {i + 1}",
            url=None,
            text=text,
            score=1.0,
        )
        for i, text in enumerate(evidence)
        if text.strip()
    ]


def _sentences(passages: Sequence[Passage]) -> list[_Candidate]:
    """Every distinct sentence of the passages, in retrieval order."""
    seen: set[str] = set()
    out: list[_Candidate] = []
    for passage in passages:
        title = passage.title if passage.source != GIVEN_SOURCE else ""
        previous = ""
        for sentence in split_sentences(passage.text) or [passage.text.strip()]:
            key = sentence.casefold()
            if sentence and key not in seen:
                seen.add(key)
                context = f"{title}. {previous}" if title else previous
                out.append(_Candidate(passage=passage, text=sentence, context=context))
            previous = sentence
    return out


def _failure_reason(failures: Sequence[SourceFailure]) -> str | None:
    if not failures:
        return None
    names = ", ".join(sorted({f.source for f in failures}))
    return f"checked without source(s) that failed: {names}"
