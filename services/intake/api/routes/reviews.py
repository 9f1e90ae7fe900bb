"""Editors' reviews: ``POST /v1/claims/{claim_id}/review``, ``GET /v1/review-queue`` and
``GET /v1/claims/{claim_id}/claimreview`` (schema.org JSON-LD).

Every route sees only the caller's newsroom: another newsroom's claim is answered 404. A
ClaimReview that would lack its ``author`` or ``url`` (no publisher for the newsroom in
``CLAIMCHECK_NEWSROOM_PUBLISHERS``, or a review without a url where the publisher has no
``review_url`` template) is answered 409 ``not_publishable``, whose message says what to set.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from services.intake.api.auth import Newsroom
from services.intake.api.body import read_submission
from services.intake.api.context import Context
from services.intake.api.error_answers import ERROR_RESPONSES, READ_RESPONSES, ApiError
from services.intake.api.idempotency import HEADER, fingerprint, parse_key
from services.intake.api.review_requests import (
    CURSOR_PATTERN,
    accept_review,
    find_claim,
    review_queue,
)
from services.intake.api.routes.common import REPLAYED_HEADER, json_request_body
from shared.newsroom.claimreview import (
    UnpublishableError,
    claim_review,
    claim_review_json,
    publisher_of,
)
from shared.schemas import ReviewAccepted, ReviewQueue, ReviewSubmission
from shared.store.keys import newsroom_namespace

router = APIRouter(tags=["reviews"])

MAX_QUEUE_PAGE = 100
JSON_LD = "application/ld+json"


@router.post(
    "/v1/claims/{claim_id}/review",
    status_code=201,
    response_model=ReviewAccepted,
    responses={**ERROR_RESPONSES, 200: {"model": ReviewAccepted}, 404: READ_RESPONSES[404]},
    openapi_extra=json_request_body(ReviewSubmission),
    summary="An editor's ruling on a claim's verdict",
)
async def review_claim(
    claim_id: str, request: Request, ctx: Context, newsroom: Newsroom
) -> JSONResponse:
    """201 with the review when recorded (and put on the stream as ``verdict.reviewed``);
    200 with the stored review when the claim already has this same one. A different
    review replaces the claim's review and names the one it ``supersedes``. 409 while the
    claim has no verdict."""
    record = await run_in_threadpool(find_claim, ctx, claim_id, newsroom)
    key = parse_key(request.headers.get(HEADER))
    submission, _ = await read_submission(request, ReviewSubmission, ctx.limits)
    body_fingerprint = fingerprint(
        {"claim_id": claim_id, **submission.model_dump(mode="json", exclude_none=True)}
    )
    body, replayed = await run_in_threadpool(
        ctx.idempotency.run_once,
        lambda: accept_review(ctx, record, submission),
        scope=f"{newsroom_namespace(newsroom)}:review",
        key=key,
        body_fingerprint=body_fingerprint,
        status_code=201,
    )
    headers = {REPLAYED_HEADER: "true"} if replayed else {}
    return JSONResponse(body, status_code=201 if body["recorded"] else 200, headers=headers)


@router.get(
    "/v1/review-queue",
    response_model=ReviewQueue,
    responses=READ_RESPONSES,
    summary="The newsroom's verdicts that need an editor and have no review yet",
)
def get_review_queue(
    request: Request,
    ctx: Context,
    newsroom: Newsroom,
    limit: Annotated[int, Query(ge=1, le=MAX_QUEUE_PAGE, description="items per page")] = 20,
    cursor: Annotated[
        str | None,
        Query(
            max_length=1000, pattern=CURSOR_PATTERN, description="next_cursor of the page before"
        ),
    ] = None,
) -> ReviewQueue:
    """Verdicts with ``needs_review: true`` and no review, most check-worthy first."""
    unknown = sorted(set(request.query_params) - {"limit", "cursor"})
    if unknown:
        name = unknown[0] or "(empty name)"
        raise ApiError(422, "validation_error", f"unknown query parameter {name!r}", field=name)
    return review_queue(ctx, newsroom, limit=limit, cursor=cursor)


@router.get(
    "/v1/claims/{claim_id}/claimreview",
    responses={**READ_RESPONSES, 409: ERROR_RESPONSES[409], 200: {"content": {JSON_LD: {}}}},
    summary="A reviewed claim as schema.org ClaimReview JSON-LD",
)
def get_claim_review(claim_id: str, ctx: Context, newsroom: Newsroom) -> Response:
    """404 for a claim without a review (as for an unknown one); 409 ``not_publishable``
    where the document would lack its ``author`` or ``url`` (the message names
    ``CLAIMCHECK_NEWSROOM_PUBLISHERS``). The JSON-LD is escaped for pasting into an HTML
    page: ``<``, ``>`` and ``&`` come as ``\\u003c``, ``\\u003e``, ``\\u0026``."""
    record = find_claim(ctx, claim_id, newsroom)
    if record.review is None:
        raise ApiError(404, "not_reviewed", f"claim {claim_id!r} has no review", field="claim_id")
    article = ctx.store.get_article(record.article_id) if record.article_id else None
    try:
        publisher = publisher_of(ctx.settings.newsroom_publishers, record.newsroom)
        document = claim_review(record, record.review, article, publisher=publisher)
    except UnpublishableError as exc:
        raise ApiError(409, "not_publishable", str(exc)) from None
    return Response(claim_review_json(document), media_type=JSON_LD)
