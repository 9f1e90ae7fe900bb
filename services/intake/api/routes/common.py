"""The shared shape of both POST endpoints: read, validate, run once, answer 202."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from services.intake.api.body import read_submission
from services.intake.api.context import IntakeContext
from services.intake.api.idempotency import HEADER, parse_key
from services.intake.api.submissions import submission_fingerprint
from shared.store.keys import newsroom_namespace

ModelT = TypeVar("ModelT", bound=BaseModel)

REPLAYED_HEADER = "Idempotent-Replayed"


def json_request_body(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI ``requestBody`` for a route that parses its body itself."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        },
        "parameters": [
            {
                "name": HEADER,
                "in": "header",
                "required": False,
                "description": "Retrying with the same key returns the first answer.",
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 255,
                    # printable ASCII, no space at either end (HTTP strips those)
                    "pattern": "^[\\x21-\\x7e]([\\x20-\\x7e]*[\\x21-\\x7e])?$",
                },
            }
        ],
    }


async def submit(
    request: Request,
    ctx: IntakeContext,
    *,
    newsroom: str | None,
    route: str,
    model: type[ModelT],
    accept: Callable[[ModelT], BaseModel],
) -> JSONResponse:
    """Validate everything first, then accept once per idempotency key; answer 202."""
    key = parse_key(request.headers.get(HEADER))
    submission, _ = await read_submission(request, model, ctx.limits)
    async with ctx.gate.turn(newsroom):  # one newsroom's texts wait here, holding no thread
        body, replayed = await run_in_threadpool(
            ctx.idempotency.run_once,
            lambda: accept(submission),
            scope=f"{newsroom_namespace(newsroom)}:{route}",
            key=key,
            body_fingerprint=submission_fingerprint(submission),
        )
    headers = {REPLAYED_HEADER: "true"} if replayed else {}
    return JSONResponse(body, status_code=202, headers=headers)
