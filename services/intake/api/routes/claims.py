"""``POST /v1/claims`` and ``GET /v1/claims/{claim_id}`` (reviews: :mod:`.reviews`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.intake.api.auth import Newsroom, Owner
from services.intake.api.context import Context
from services.intake.api.errors import ERROR_RESPONSES, READ_RESPONSES, ApiError
from services.intake.api.ids import is_claim_id
from services.intake.api.routes.common import json_request_body, submit
from services.intake.api.submissions import accept_claim
from shared.schemas import ClaimAccepted, ClaimStatus, ClaimSubmission

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
    record = ctx.store.get_claim(claim_id) if is_claim_id(claim_id) else None
    # another newsroom's claim is answered as unknown, not as forbidden
    if record is None or (newsroom is not None and record.newsroom != newsroom):
        raise ApiError(404, "not_found", f"no claim {claim_id!r}", field="claim_id")
    return ClaimStatus.model_validate(record, from_attributes=True)
