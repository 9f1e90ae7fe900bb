"""``GET /healthz`` (the process lives) and ``GET /readyz`` (Redis and broker answer)."""

from __future__ import annotations

import logging
from typing import Literal

import redis
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from services.intake.api.context import Context
from services.intake.api.error_answers import error_response
from shared.schemas import ErrorBody

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"])

CheckResult = Literal["ok", "unavailable"]


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready"] = "ready"
    checks: dict[str, CheckResult]


class NotReady(ErrorBody):
    checks: dict[str, CheckResult]


@router.get("/healthz", response_model=Health, summary="Liveness: 200 while the process runs")
async def healthz() -> Health:
    return Health()


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": NotReady, "description": "Redis or the broker did not answer"}},
    summary="Readiness: Redis and the Celery broker answer",
)
def readyz(ctx: Context) -> Readiness | JSONResponse:
    checks: dict[str, CheckResult] = {"redis": "ok", "broker": "ok"}
    try:
        ctx.redis.ping()
    except redis.RedisError as exc:
        logger.warning("readiness: redis ping failed: %s", exc)
        checks["redis"] = "unavailable"
    if not ctx.enqueuer.ping():
        checks["broker"] = "unavailable"
    failed = [name for name, result in checks.items() if result != "ok"]
    if failed:
        return error_response(
            503,
            "not_ready",
            "not ready: " + ", ".join(failed) + " unavailable",
            extra={"checks": checks},
        )
    return Readiness(checks=checks)
