"""``POST /v1/claims``, ``GET /v1/claims/{claim_id}`` and ``PATCH /v1/claims/{claim_id}``
(an editor's checked text; reviews: :mod:`.reviews`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from services.intake.api.auth import Newsroom, Owner
from services.intake.api.body import read_submission
from services.intake.api.checked_text_requests import edit_checked_text
from services.intake.api.context import Context
from services.intake.api.error_answers import ERROR_RESPONSES, READ_RESPONSES
from services.intake.api.idempotency import HEADER, fingerprint, parse_key
from services.intake.api.review_requests import find_claim
from services.intake.api.routes.common import REPLAYED_HEADER, json_request_body, submit
from services.intake.api.submissions import accept_claim
from shared.newsroom.checked_text import CheckedTextSubmission
from shared.schemas import ClaimAccepted, ClaimStatus, ClaimSubmission
from shared.store.keys import newsroom_namespace

router = APIRouter(prefix="/v1/claims", tags=["claims"])


@router.post(
    "",
    status_code=202,
    response_model=ClaimAccepted,
    responses=ERROR_RESPONSES,
    openapi_extra=json_request_body(ClaimSubmission),
    summary="Submit one claim for verification",
)
async def submit_claim(request: Request, ctx: Context, owner: Owner) -> JSONResponse:
    return await submit(
        request,
        ctx,
        newsroom=owner.newsroom if owner else None,
        route="claims",
        model=ClaimSubmission,
        accept=lambda submission: accept_claim(ctx, submission, owner),
    )


@router.get(
    "/{claim_id}",
    response_model=ClaimStatus,
    responses=READ_RESPONSES,
    summary="A claim's status and, once checked, its verdict (and an editor's review)",
)
def get_claim(claim_id: str, ctx: Context, newsroom: Newsroom) -> ClaimStatus:
    # another newsroom's claim is answered as unknown, not as forbidden
    record = find_claim(ctx, claim_id, newsroom)
    return ClaimStatus.model_validate(record, from_attributes=True)


@router.patch(
    "/{claim_id}",
    response_model=ClaimStatus,
    responses={**ERROR_RESPONSES, 404: READ_RESPONSES[404]},
    openapi_extra=json_request_body(CheckedTextSubmission),
    summary="An editor's checked text for a claim: the claim is checked again with it",
)
async def edit_claim(
    claim_id: str, request: Request, ctx: Context, newsroom: Newsroom
) -> JSONResponse:
    """200 with the claim as it now stands: ``text`` is the editor's, ``checked_text_edit``
    says who set it and when, ``status`` is ``queued`` until the worker has checked it and
    published a ``verdict.updated`` with the edit's ``revision``. The text the claim already
    has changes nothing (no new revision)."""
    record = await run_in_threadpool(find_claim, ctx, claim_id, newsroom)
    key = parse_key(request.headers.get(HEADER))
    submission, _ = await read_submission(request, CheckedTextSubmission, ctx.limits)
    body_fingerprint = fingerprint({"claim_id": claim_id, **submission.model_dump(mode="json")})
    body, replayed = await run_in_threadpool(
        ctx.idempotency.run_once,
        lambda: edit_checked_text(ctx, record, newsroom, submission),
        scope=f"{newsroom_namespace(newsroom)}:checked_text",
        key=key,
        body_fingerprint=body_fingerprint,
        status_code=200,
    )
    headers = {REPLAYED_HEADER: "true"} if replayed else {}
    return JSONResponse(body, status_code=200, headers=headers)
