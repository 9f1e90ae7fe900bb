"""``/v1/admin/keys``: newsroom keys, for the admin key only (``claimcheck keys``)."""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from services.intake.api.auth import Admin
from services.intake.api.body import check_content_type, parse_json, read_body, validate
from services.intake.api.context import Context
from services.intake.api.error_answers import ApiError
from shared.schemas import ErrorBody
from shared.store.api_keys import NEWSROOM_PATTERN, KeyInfo

logger = logging.getLogger(__name__)

ADMIN_MAX_BODY_BYTES = 4096
"""A newsroom name needs a few dozen bytes; larger bodies are refused before parsing."""

router = APIRouter(prefix="/v1/admin/keys", tags=["admin"])

ADMIN_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "Malformed JSON body"},
    401: {"model": ErrorBody, "description": "Missing or wrong X-Admin-Key"},
    404: {"model": ErrorBody, "description": "No admin key configured, or no such key"},
    413: {"model": ErrorBody, "description": "Body over 4096 bytes"},
    415: {"model": ErrorBody, "description": "Body not JSON"},
    422: {"model": ErrorBody, "description": "Invalid request"},
    503: {"model": ErrorBody, "description": "Redis unavailable"},
    504: {"model": ErrorBody, "description": "Timed out"},
}


M = TypeVar("M", bound=BaseModel)


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` declaring ``model`` as the required JSON body (read by hand)."""
    schema = model.model_json_schema()
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


async def read_model(request: Request, model: type[M], max_bytes: int) -> M:
    """Read like the other POSTs: content type, size before reading, strict JSON, model."""
    check_content_type(request)
    return validate(model, parse_json(await read_body(request, max_bytes)))


class NewKeyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    newsroom: str = Field(pattern=NEWSROOM_PATTERN, description="lowercase, digits, _ . -")


class KeyView(BaseModel):
    key_id: str
    newsroom: str
    created_at: str

    @classmethod
    def of(cls, info: KeyInfo) -> KeyView:
        return cls(key_id=info.key_id, newsroom=info.newsroom, created_at=info.created_at)


class NewKeyView(KeyView):
    key: str = Field(description="The API key. Shown this once; only its hash is stored.")


class KeyList(BaseModel):
    keys: list[KeyView]


@router.post(
    "",
    status_code=201,
    response_model=NewKeyView,
    responses=ADMIN_ERRORS,
    openapi_extra=json_body(NewKeyRequest),
    summary="Make a key for a newsroom (shown once)",
)
async def add_key(request: Request, ctx: Context, _: Admin) -> NewKeyView:
    body = await read_model(request, NewKeyRequest, ADMIN_MAX_BODY_BYTES)
    made = await run_in_threadpool(ctx.keys.add, body.newsroom)
    logger.info(
        "admin: key %s made for newsroom %s",
        made.info.key_id,
        made.info.newsroom,
        extra={"key_id": made.info.key_id, "newsroom": made.info.newsroom},
    )
    return NewKeyView(**KeyView.of(made.info).model_dump(), key=made.key)


@router.get("", response_model=KeyList, responses=ADMIN_ERRORS, summary="Every stored key")
def list_keys(ctx: Context, _: Admin) -> KeyList:
    return KeyList(keys=[KeyView.of(info) for info in ctx.keys.list()])


@router.delete("/{key_id}", response_model=KeyView, responses=ADMIN_ERRORS, summary="Revoke a key")
def revoke_key(key_id: str, ctx: Context, _: Admin) -> KeyView:
    info = ctx.keys.revoke(key_id)
    if info is None:
        raise ApiError(404, "not_found", f"no key {key_id!r}", field="key_id")
    logger.info(
        "admin: key %s of newsroom %s revoked",
        key_id,
        info.newsroom,
        extra={"key_id": key_id, "newsroom": info.newsroom},
    )
    return KeyView.of(info)
