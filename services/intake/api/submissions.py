"""Accepting an article or a lone claim: extract, store, queue — or change nothing.

These functions block (spaCy, Redis, the broker); the routes run them in a thread.
Records are written in one transaction before anything is queued; if queuing fails
they are deleted again and the error (a TransientError, answered 503) propagates.
"""

from __future__ import annotations

import logging
from typing import Final

import redis
from pydantic import BaseModel

from services.intake.api.auth import Principal
from services.intake.api.context import IntakeContext
from services.intake.api.idempotency import fingerprint
from services.intake.api.ids import new_article_id, new_claim_id
from services.intake.extraction import CandidateClaim, Extraction
from shared.errors import ClaimcheckError
from shared.schemas import (
    ArticleAccepted,
    ArticleSubmission,
    ClaimAccepted,
    ClaimSubmission,
    ExtractedClaim,
    SkippedSentence,
)
from shared.store.claims import ArticleRecord, ClaimRecord

logger = logging.getLogger(__name__)


def _rollback(ctx: IntakeContext, claim_ids: list[str], article_id: str | None) -> None:
    try:
        ctx.store.delete(claim_ids, article_id)
    except redis.RedisError as exc:  # the records expire with their TTL
        logger.error("rollback failed article_id=%s: %s", article_id, exc)


OVER_CLAIM_LIMIT: Final = "over_claim_limit"
"""The ``skipped`` reason of claims beyond ``CLAIMCHECK_MAX_CLAIMS_PER_ARTICLE``."""


def _within_limit(candidates: list[CandidateClaim], limit: int) -> list[CandidateClaim]:
    """The ``limit`` most check-worthy candidates, in article order."""
    if len(candidates) <= limit:
        return candidates
    ranked = sorted(range(len(candidates)), key=lambda i: -candidates[i].checkworthiness)
    keep = sorted(ranked[:limit])
    return [candidates[i] for i in keep]


def _skipped_sentences(
    text: str, extraction: Extraction, kept: list[CandidateClaim]
) -> list[SkippedSentence]:
    """The extraction's skipped sentences and the claims beyond the limit, in article order."""
    kept_starts = {c.start for c in kept}
    over = [
        SkippedSentence(
            start=c.start,
            end=c.end,
            text=c.source_text,
            reason=OVER_CLAIM_LIMIT,
            score=c.checkworthiness,
            language="en",
        )
        for c in extraction.claims
        if c.start not in kept_starts
    ]
    return sorted([*extraction.skipped_sentences(text), *over], key=lambda s: s.start)


def _take_claims(ctx: IntakeContext, owner: Principal | None, count: int) -> None:
    """Count ``count`` claims against the newsroom's claims-per-minute limit.

    Over it, the limiter raises ``RateLimited`` (answered 429) before anything is stored.
    """
    if owner is not None:
        ctx.limiter.check_claims(owner.newsroom, count)


def accept_article(
    ctx: IntakeContext, submission: ArticleSubmission, owner: Principal | None
) -> ArticleAccepted:
    """Extract the article's claims, store article and claims, queue one job per claim.

    Beyond ``max_claims_per_article`` claims only the most check-worthy are kept; the
    answer's ``skipped`` counts the rest as ``over_claim_limit``.
    """
    ctx.capacity.check()
    newsroom = owner.newsroom if owner else None
    if newsroom is not None:
        ctx.limiter.check_chars(newsroom, len(submission.text))
    extraction = ctx.extractor.analyse(submission.text, published_at=submission.published_at)
    candidates = _within_limit(list(extraction.claims), ctx.limits.max_claims_per_article)
    over_limit = len(extraction.claims) - len(candidates)
    skipped_sentences = _skipped_sentences(submission.text, extraction, candidates)
    _take_claims(ctx, owner, len(candidates))
    article_id = new_article_id()
    claims = [
        ClaimRecord(
            claim_id=new_claim_id(),
            text=candidate.text,
            article_id=article_id,
            newsroom=newsroom,
            **candidate.claim_fields(),
        )
        for candidate in candidates
    ]
    claim_ids = [c.claim_id for c in claims]
    article = ArticleRecord(
        article_id=article_id,
        text=submission.text,
        title=submission.title,
        url=submission.url,
        published_at=submission.published_at,
        external_id=submission.external_id,
        newsroom=newsroom,
        claim_ids=claim_ids,
        skipped_sentences=skipped_sentences,
    )
    ctx.store.save(claims, article)
    try:
        if claim_ids:
            ctx.enqueuer.enqueue(claim_ids)
        else:
            ctx.publisher.complete_if_done(article_id)
    except ClaimcheckError:
        _rollback(ctx, claim_ids, article_id)
        raise
    skipped: dict[str, int] = {reason: n for reason, n in extraction.skipped.items() if n}
    if over_limit:
        skipped[OVER_CLAIM_LIMIT] = over_limit
        ctx.metrics.claims_skipped.inc(over_limit)
    ctx.metrics.claims_queued.labels(kind="article").inc(len(claim_ids))
    logger.info(
        "article accepted article_id=%s newsroom=%s claims=%d skipped=%s",
        article_id,
        newsroom,
        len(claim_ids),
        skipped,
        extra={"article_id": article_id, "newsroom": newsroom, "claim_ids": claim_ids},
    )
    return ArticleAccepted(
        article_id=article_id,
        claims=[ExtractedClaim.model_validate(c, from_attributes=True) for c in claims],
        skipped=skipped,
        skipped_sentences=skipped_sentences,
    )


def accept_claim(
    ctx: IntakeContext, submission: ClaimSubmission, owner: Principal | None
) -> ClaimAccepted:
    """Store a lone claim (with its entities and check-worthiness) and queue its job.

    A lone claim is checked whatever its score: the newsroom asked for it.
    """
    ctx.capacity.check()
    if owner is not None:
        ctx.limiter.check_chars(owner.newsroom, len(submission.text))
    _take_claims(ctx, owner, 1)
    details = ctx.extractor.describe(submission.text)
    claim = ClaimRecord(
        claim_id=new_claim_id(),
        text=submission.text,
        context=submission.context,
        source_url=submission.source_url,
        newsroom=owner.newsroom if owner else None,
        **details.claim_fields(),
    )
    ctx.store.save([claim])
    try:
        ctx.enqueuer.enqueue([claim.claim_id])
    except ClaimcheckError:
        _rollback(ctx, [claim.claim_id], None)
        raise
    ctx.metrics.claims_queued.labels(kind="claim").inc()
    logger.info(
        "claim accepted claim_id=%s",
        claim.claim_id,
        extra={"claim_id": claim.claim_id, "newsroom": claim.newsroom},
    )
    return ClaimAccepted(claim_id=claim.claim_id)


def submission_fingerprint(submission: BaseModel) -> str:
    """What makes two submissions the same body for an ``Idempotency-Key``: the validated
    model without its absent fields, so that ``"title": null`` and no title are one body
    (and so are key order, whitespace and escapes)."""
    return fingerprint(submission.model_dump(mode="json", exclude_none=True))
