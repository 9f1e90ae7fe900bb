"""``/v1/admin/webhooks``: newsrooms' webhook endpoints, for the admin key only
(``claimcheck webhooks add|list|remove``; ``claimcheck webhooks deliver`` sends to them).

An endpoint belongs to one newsroom and gets that newsroom's stream entries only. Its
signing secret is answered once, when it is made. A URL whose host names a loopback,
private, link-local or otherwise non-public address (``localhost``, ``10.0.0.5``,
``169.254.169.254``, ``2130706433``...) is refused with 422 unless
``CLAIMCHECK_WEBHOOK_ALLOW_PRIVATE`` is set (:mod:`shared.address_policy`; the deliverer
checks again after DNS).
"""

from __future__ import annotations

import logging
from typing import Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool

from services.intake.api.auth import Admin
from services.intake.api.context import Context
from services.intake.api.error_answers import ApiError
from services.intake.api.routes.admin import ADMIN_ERRORS, json_body, read_model
from shared.address_policy import check_url
from shared.errors import RefusedTargetError
from shared.store.api_keys import NEWSROOM_PATTERN
from shared.store.webhooks import Endpoint

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/admin/webhooks", tags=["admin"])

WEBHOOK_MAX_BODY_BYTES = 65_536
"""A URL of 2,048 characters and a few event names fit many times over."""
_ERRORS = ADMIN_ERRORS | {413: {"description": "Body over 65536 bytes"}}

EventType = Literal["verdict", "article.completed", "verdict.reviewed", "verdict.updated"]


class NewWebhookRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    newsroom: str = Field(pattern=NEWSROOM_PATTERN, description="lowercase, digits, _ . -")
    url: str = Field(
        max_length=2048,
        pattern=r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[!-~]*)?$",
        description="http:// or https:// URL that takes POSTs",
    )
    events: list[EventType] | None = Field(
        default=None, min_length=1, description="Entry types to send (default: all)"
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        return value


class WebhookView(BaseModel):
    endpoint_id: str
    newsroom: str
    url: str
    events: list[str] | None
    created_at: str
    disabled: bool
    disabled_reason: str | None = None

    @classmethod
    def of(cls, e: Endpoint) -> WebhookView:
        return cls(**e.model_dump(exclude={"secret"}))


class NewWebhookView(WebhookView):
    secret: str = Field(
        description="The signing secret (whsec_...). Shown this once: verify deliveries with it."
    )


class WebhookList(BaseModel):
    webhooks: list[WebhookView]


@router.post(
    "",
    status_code=201,
    response_model=NewWebhookView,
    responses=_ERRORS,
    openapi_extra=json_body(NewWebhookRequest),
    summary="Register a newsroom's webhook endpoint (its secret shown once)",
)
async def add_webhook(request: Request, ctx: Context, _: Admin) -> NewWebhookView:
    body = await read_model(request, NewWebhookRequest, WEBHOOK_MAX_BODY_BYTES)
    if not ctx.webhook_allow_private:
        try:
            check_url(body.url)
        except RefusedTargetError as exc:
            raise ApiError(422, "validation_error", f"url: {exc}", field="url") from None
    events: list[str] | None = [str(e) for e in body.events] if body.events else None
    made = await run_in_threadpool(ctx.webhooks.add, body.newsroom, body.url, events)
    logger.info(
        "admin: webhook %s registered for newsroom %s",
        made.endpoint_id,
        made.newsroom,
        extra={"endpoint_id": made.endpoint_id, "newsroom": made.newsroom},
    )
    return NewWebhookView(**WebhookView.of(made).model_dump(), secret=made.secret)


@router.get("", response_model=WebhookList, responses=_ERRORS, summary="Every endpoint")
def list_webhooks(ctx: Context, _: Admin, newsroom: str | None = None) -> WebhookList:
    return WebhookList(webhooks=[WebhookView.of(e) for e in ctx.webhooks.endpoints(newsroom)])


@router.delete(
    "/{endpoint_id}", response_model=WebhookView, responses=_ERRORS, summary="Remove one"
)
def remove_webhook(endpoint_id: str, ctx: Context, _: Admin) -> WebhookView:
    removed = ctx.webhooks.remove(endpoint_id)
    if removed is None:
        raise ApiError(404, "not_found", f"no webhook {endpoint_id!r}", field="endpoint_id")
    logger.info(
        "admin: webhook %s of newsroom %s removed",
        endpoint_id,
        removed.newsroom,
        extra={"endpoint_id": endpoint_id, "newsroom": removed.newsroom},
    )
    return WebhookView.of(removed)
