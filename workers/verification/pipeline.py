"""The verifier: retrieve sentences, keep the best, judge each, decide over the set.

1. **Retrieve.** Every source is searched concurrently. The knowledge base answers with
   single sentences (hybrid BM25 + embedding retrieval, see
   :mod:`workers.sources.knowledge_base.index`); other passages (Wikipedia extracts, given
   evidence) are split into sentences here.
2. **Select.** Only the best ``CLAIMCHECK_STANCE_PAIRS_MAX`` sentences reach the stance
   model: the ones the typed-slot alignment lines up with the claim first, then each
   source's ranking in turn (the knowledge base's fused rank; word overlap with the claim
   for the others), so a claim's cost does not grow with the length of the documents.
   Where an aligned sentence decides (a conflicting detail, or every detail the same), only
   the aligned sentences are read: the rest could not change the label.
3. **Judge.** The cross-encoder scores each (claim, sentence) pair, the sentence read after
   its context (document title, previous sentence), and the chosen sentences once more
   joined into one passage; each pair also gets its word overlap and mismatch signals
   (:mod:`workers.verification.mismatch`).
4. **Decide.** :class:`~workers.verification.decision.DecisionModel` turns the whole
   evidence set into a label and a calibrated confidence. Without a fitted model (the
   lexical scorer) the rules of :mod:`workers.verification.aggregate` decide. The
   alignment's rules (:mod:`workers.verification.verdict_policy`) come first; the
   confidence and ``needs_review`` are set by :mod:`workers.verification.publish_policy`,
   from the facts each step hands it.

``Verifier.verify`` is the one entry point used by both the Celery task and the offline
``claimcheck verify-batch``, so a claim gets the same verdict either way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from shared.errors import PermanentSourceError, TransientSourceError
from shared.schemas import (
    Evidence,
    JudgeOpinion,
    SourceFailure,
    Verdict,
)
from workers.sources.base import Passage, Source
from workers.sources.factchecks.deciding_match import evidence_of, is_archive_passage, strong_match
from workers.sources.resilience import ResilientSource
from workers.verification import publish_policy
from workers.verification.aggregate import (
    AggregationParams,
    aggregate,
)
from workers.verification.alignment import align, aligned_first, decisive_only
from workers.verification.attribution import reported_content
from workers.verification.calibration import VerdictCalibration
from workers.verification.candidates import (
    given_passages,
    select,
    sentences_of,
)
from workers.verification.decision import DecisionModel, Outcome, judge_sentences
from workers.verification.evidence import Assessment, detail_conflicts, shown_evidence
from workers.verification.publish_policy import Checks
from workers.verification.stance import StanceScorer
from workers.verification.verdict_policy import (
    RULE_KEYS,
    EvidenceDecision,
    decide_on_evidence,
    settle,
)

if TYPE_CHECKING:
    from shared.store.claims import ClaimRecord
    from workers.verification.llm_judge import LlmJudge

log = logging.getLogger(__name__)

PIPELINE_REVISION = 4
"""Raised when the same inputs get a different verdict (3: typed-slot alignment and the
verdict policy; 4: sentences read with their context, the joined pass, three sentences per
claim and the early exit, the compact decision): reuse never repeats a verdict the verifier
of another revision reached."""


@dataclass(frozen=True)
class VerifierConfig:
    """What the verifier takes from the settings (:func:`workers.components.verifier_config`)."""

    top_passages: int
    """Results asked of a source (unless ``search_limits`` names it)."""
    pairs_max: int
    """Sentences that reach the stance model."""
    top_evidence: int
    """Evidence items a verdict carries."""
    needs_review_threshold: float
    factcheck_threshold: float | None = None
    """Match score from which an archived fact-check decides; None: never."""
    joined_max: int = 3
    """Best sentences read together once more as one passage (0 or 1: no joined pass)."""


class Verifier:
    """Checks claims against reference sources with a stance scorer.

    Holds no per-claim state: one instance serves a whole worker process (or batch run).
    """

    def __init__(
        self,
        sources: Sequence[Source],
        scorer: StanceScorer,
        config: VerifierConfig,
        *,
        params: AggregationParams | None = None,
        calibration: VerdictCalibration | None = None,
        decision: DecisionModel | None = None,
        judge: LlmJudge | None = None,
        search_limits: dict[str, int] | None = None,
    ) -> None:
        self.sources = list(sources)
        self.judge = judge
        self.closers: list[Callable[[], None]] = []
        """Called by ``workers.context.close_verifier`` after the sources are closed."""
        self.scorer = scorer
        self.calibration = calibration
        self.decision = decision
        self.top_passages = config.top_passages
        self.search_limits = dict(search_limits or {})
        """Results asked of a source by name (default ``top_passages``)."""
        self.pairs_max = config.pairs_max
        self.joined_max = config.joined_max
        self.top_evidence = config.top_evidence
        self.params = params or AggregationParams(
            needs_review_threshold=config.needs_review_threshold
        )
        self.version = f"{scorer.name}-{PIPELINE_REVISION}"
        self.pairs_scored = 0
        """How many pairs (a claim with a sentence or a joined passage) this verifier has
        scored: for throughput and pairs-per-claim figures."""
        self.align_seconds = 0.0
        """Time spent lining sentences up with claims (typed slots): for cost figures."""
        self.factcheck_threshold = config.factcheck_threshold

    def verify_claim(self, claim: ClaimRecord, *, tolerate_source_errors: bool) -> Verdict:
        """Check a stored claim: its stand-alone ``text`` is looked up, its details decide
        how (an attributed statement), and the verdict carries them and its newsroom."""
        verdict = self.verify(
            claim.claim_id,
            claim.text,
            article_id=claim.article_id,
            attributed=claim.attributed,
            tolerate_source_errors=tolerate_source_errors,
        )
        return claim.stamp(verdict)

    def verify(
        self,
        claim_id: str,
        claim: str,
        *,
        article_id: str | None = None,
        evidence: Sequence[str] | None = None,
        attributed: bool = False,
        tolerate_source_errors: bool,
    ) -> Verdict:
        """Check one claim and return its verdict (nothing is published here).

        An ``attributed`` statement ("X said that ...") is checked for its reported
        content (:func:`~workers.verification.attribution.reported_content`, in the
        verdict's ``checked``) where that reads on its own, else whole.

        With ``evidence`` the given texts are the only evidence (source ``given``); no
        source is searched. Otherwise every source is searched: a
        :class:`TransientSourceError` propagates (the caller retries) unless
        ``tolerate_source_errors`` is set, typically on the final attempt; then it is
        recorded in ``sources_failed``, as a :class:`PermanentSourceError` always is.
        """
        failures: list[SourceFailure] = []
        checked = reported_content(claim) if attributed else None
        statement = checked or claim  # what is looked up and judged
        if evidence is not None:
            passages = given_passages(evidence)
        else:
            passages = self._retrieve(statement, failures, tolerate=tolerate_source_errors)
        # fact-check archive (issue 5, part B): a strong match decides on its own. Archived
        # fact-checks are never stance-scored (their text states the claim, true or not):
        # rated ones are handled as rated passages below, unrated ones are dropped.
        archived = self._archive_verdict(claim_id, article_id, claim, passages, failures)
        if archived is not None:
            return archived
        passages = [p for p in passages if not is_archive_passage(p) or _is_rated(p)]
        rated = [p for p in passages if _is_rated(p)]  # e.g. google_factcheck: not scored
        assessment = self.assess(statement, [p for p in passages if not _is_rated(p)])
        decided = self._decide(assessment, retrieved=evidence is None)
        evidence_items = shown_evidence(assessment, decided, self.params, self.top_evidence)
        opinion = self._ask_judge(statement, decided.label, evidence_items)
        checks = Checks(
            sources_failed=bool(failures),
            nothing_read=bool(failures) and not passages,
            factcheck_contradicts=_contradicting_factcheck(rated, decided.label),
            judge_disagrees=opinion is not None and opinion.agrees is False,
        )
        settled = settle(decided, checks, [e.stance for e in evidence_items])
        if settled.label != decided.label:
            evidence_items = shown_evidence(assessment, settled, self.params, self.top_evidence)
        evidence_items += _rated_evidence(rated)
        return Verdict(
            claim_id=claim_id,
            article_id=article_id,
            claim=claim,
            label=settled.label,
            **publish_policy.carried(settled),
            evidence=evidence_items,
            sources_failed=failures,
            reason=_join(settled.reason, _failure_reason(failures)),
            conflicts=detail_conflicts(assessment, settled),
            checked=checked,
            checked_at=datetime.now(UTC),
            verifier_version=self.version,
            judge=opinion,
        )

    def assess(self, claim: str, passages: Sequence[Passage]) -> Assessment:
        """Select the claim's best evidence sentences and judge each one."""
        sentences = sentences_of(passages)
        started = time.perf_counter()
        alignments = align(claim, sentences)
        self.align_seconds += time.perf_counter() - started
        candidates, aligned = aligned_first(
            sentences, alignments, select(claim, sentences, self.pairs_max), self.pairs_max
        )
        candidates, aligned = decisive_only(candidates, aligned)
        texts = [c.text for c in candidates]
        scores = (
            self.scorer.score(claim, texts, context=[c.context for c in candidates])
            if candidates
            else []
        )
        if len(scores) != len(candidates):
            raise ValueError(
                f"scorer {self.scorer.name} returned {len(scores)} scores "
                f"for {len(candidates)} sentences"
            )
        joined = (
            self.scorer.score_passage(claim, texts[: self.joined_max])
            if self.joined_max > 1 and len(texts) > 1
            else None
        )
        self.pairs_scored += len(candidates) + (joined is not None)
        judged = judge_sentences(
            claim, texts, scores, aligned, [c.passage.similarity for c in candidates]
        )
        return Assessment(candidates, scores, judged, joined)

    def _decide(self, assessment: Assessment, *, retrieved: bool) -> EvidenceDecision:
        """The verdict policy over the evidence: the alignment where it decides, else the
        fitted decision model, else the rules (:mod:`~workers.verification.verdict_policy`)."""
        if self.decision is not None:
            outcome = self.decision.decide(assessment.judged, assessment.joined)
        else:
            decision = aggregate(assessment.scores, self.params)
            published = publish_policy.by_rules(
                decision.label,
                decision.confidence,
                self.params.needs_review_threshold,
                self.calibration,
            )
            outcome = Outcome(label=decision.label, probabilities={}, **published)
        thresholds = (
            self.decision.review_thresholds
            if self.decision is not None
            else dict.fromkeys(RULE_KEYS, self.params.needs_review_threshold)
        )
        return decide_on_evidence(outcome, assessment.judged, thresholds, retrieved=retrieved)

    def _archive_verdict(
        self,
        claim_id: str,
        article_id: str | None,
        claim: str,
        passages: Sequence[Passage],
        failures: list[SourceFailure],
    ) -> Verdict | None:
        """The verdict of a strong fact-check match (see ``factchecks.deciding_match``), or None.

        Its confidence is the match score (the policy's ``by_factcheck``); its evidence is
        the fact-check alone.
        """
        if self.factcheck_threshold is None:
            return None
        match = strong_match(passages, self.factcheck_threshold)
        if match is None or match.label is None:
            return None
        published = publish_policy.by_factcheck(
            match.score, self.params.needs_review_threshold, sources_failed=bool(failures)
        )
        return Verdict(
            claim_id=claim_id,
            article_id=article_id,
            claim=claim,
            label=match.label,
            **published,
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

        A source that retries within its own call (a
        :class:`~workers.sources.resilience.ResilientSource`) has its transient failures
        recorded straight away: retrying the whole task would only hold the claim longer.
        """
        if len(self.sources) == 1:
            outcomes = [_search(self.sources[0], claim, self._limit(self.sources[0]))]
        else:
            with ThreadPoolExecutor(
                max_workers=len(self.sources), thread_name_prefix="source"
            ) as pool:
                futures = [
                    pool.submit(_search, source, claim, self._limit(source))
                    for source in self.sources
                ]
                outcomes = [future.result() for future in futures]
        passages: list[Passage] = []
        for source, outcome in zip(self.sources, outcomes, strict=True):
            if isinstance(outcome, TransientSourceError):
                if not (tolerate or isinstance(source, ResilientSource)):
                    raise outcome
                log.warning("source %s failed, going on without it: %s", source.name, outcome)
                failures.append(SourceFailure(source=source.name, reason=str(outcome)))
            elif isinstance(outcome, PermanentSourceError):
                log.warning("source %s failed permanently: %s", source.name, outcome)
                failures.append(SourceFailure(source=source.name, reason=str(outcome)))
            else:
                passages.extend(outcome)
        return passages

    def _limit(self, source: Source) -> int:
        return self.search_limits.get(source.name, self.top_passages)


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


def _join(*parts: str | None) -> str | None:
    kept = [p for p in parts if p]
    return " ".join(kept) if kept else None


def _failure_reason(failures: Sequence[SourceFailure]) -> str | None:
    if not failures:
        return None
    names = ", ".join(sorted({f.source for f in failures}))
    return f"checked without source(s) that failed: {names}"
