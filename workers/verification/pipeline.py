"""The verifier: retrieve passages, split them into sentences, score, aggregate.

``Verifier.verify`` is the one entry point used by both the Celery task and the offline
``claimcheck verify-batch``, so a claim gets the same verdict either way.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from shared.errors import PermanentSourceError, TransientSourceError
from shared.schemas import Evidence, SourceFailure, Verdict
from shared.settings import Settings
from workers.sources.base import Passage, Source
from workers.verification.aggregate import (
    AggregationParams,
    aggregate,
    is_relevant,
    stance_of,
)
from workers.verification.calibration import VerdictCalibration
from workers.verification.sentences import split_sentences
from workers.verification.stance import StanceScore, StanceScorer

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
    ) -> None:
        self.sources = list(sources)
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
        candidates = _sentences(passages)
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
        return Verdict(
            claim_id=claim_id,
            article_id=article_id,
            claim=claim,
            label=decision.label,
            confidence=confidence,
            needs_review=needs_review or bool(failures),
            evidence=self._evidence(candidates, scores),
            sources_failed=failures,
            reason=_failure_reason(failures),
            checked_at=datetime.now(UTC),
            verifier_version=self.version,
        )

    def _retrieve(
        self, claim: str, failures: list[SourceFailure], *, tolerate: bool
    ) -> list[Passage]:
        passages: list[Passage] = []
        for source in self.sources:
            try:
                passages.extend(source.search(claim, self.top_passages))
            except TransientSourceError as exc:
                if not tolerate:
                    raise
                log.warning("source %s failed, going on without it: %s", source.name, exc)
                failures.append(SourceFailure(source=source.name, reason=str(exc)))
            except PermanentSourceError as exc:
                log.warning("source %s failed permanently: %s", source.name, exc)
                failures.append(SourceFailure(source=source.name, reason=str(exc)))
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
