"""``POST /v1/articles`` and ``GET /v1/articles/{article_id}``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.intake.api.auth import Newsroom, Owner
from services.intake.api.context import Context
from services.intake.api.error_answers import ERROR_RESPONSES, READ_RESPONSES, ApiError
from services.intake.api.ids import is_article_id
from services.intake.api.routes.common import json_request_body, submit
from services.intake.api.submissions import accept_article
from shared.schemas import (
    LABELS,
    ArticleAccepted,
    ArticleClaimStatus,
    ArticleStatus,
    ArticleSubmission,
    Label,
)

router = APIRouter(prefix="/v1/articles", tags=["articles"])


@router.post(
    "",
    status_code=202,
    response_model=ArticleAccepted,
    responses=ERROR_RESPONSES,
    openapi_extra=json_request_body(ArticleSubmission),
    summary="Submit an article; its check-worthy claims are queued for verification",
)
async def submit_article(request: Request, ctx: Context, owner: Owner) -> JSONResponse:
    return await submit(
        request,
        ctx,
        newsroom=owner.newsroom if owner else None,
        route="articles",
        model=ArticleSubmission,
        accept=lambda submission: accept_article(ctx, submission, owner),
    )


@router.get(
    "/{article_id}",
    response_model=ArticleStatus,
    responses=READ_RESPONSES,
    summary="An article's claims with their status, verdicts and reviews",
)
def get_article(article_id: str, ctx: Context, newsroom: Newsroom) -> ArticleStatus:
    record = ctx.store.get_article(article_id) if is_article_id(article_id) else None
    # another newsroom's article is answered as unknown, not as forbidden
    if record is None or (newsroom is not None and record.newsroom != newsroom):
        raise ApiError(404, "not_found", f"no article {article_id!r}", field="article_id")
    claims = ctx.store.get_claims(record.claim_ids) if record.claim_ids else []
    counts: dict[Label, int] = dict.fromkeys(LABELS, 0)
    reviewed: dict[Label, int] = dict.fromkeys(LABELS, 0)
    for claim in claims:
        if claim.verdict is not None:
            counts[claim.verdict.label] += 1
        if claim.review is not None:
            reviewed[claim.review.label] += 1
    decided = sum(counts.values())
    return ArticleStatus(
        article_id=record.article_id,
        title=record.title,
        url=record.url,
        external_id=record.external_id,
        published_at=record.published_at,
        text=record.text,
        completed=decided == record.claim_count and len(claims) == record.claim_count,
        claims=[ArticleClaimStatus.model_validate(c, from_attributes=True) for c in claims],
        counts=counts,
        reviewed=sum(reviewed.values()),
        reviewed_counts=reviewed,
        skipped_sentences=record.skipped_sentences,
    )
