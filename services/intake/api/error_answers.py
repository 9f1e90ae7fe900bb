"""Every error answer of the API is an :class:`~shared.schemas.ErrorBody`.

Routes raise :class:`ApiError`, a :mod:`shared.errors` exception or the rate limiter's
:class:`~services.intake.api.ratelimit.RateLimited` (answered 429 with ``Retry-After``);
the handlers installed by :func:`install_error_handlers` turn each into JSON, and replace
FastAPI's own 422 and HTTP-error formats with the same body. (One 404 is not an error: a
path with a trailing slash that a route serves without it is redirected there.)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import redis
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.intake.api.capacity import OVER_CAPACITY_RETRY_AFTER_S, is_out_of_memory
from services.intake.api.ratelimit import RateLimited
from services.intake.api.slashes import slash_redirect
from shared.errors import InputError, TransientError
from shared.schemas import ErrorBody

logger = logging.getLogger(__name__)

# The route-level answers documented in OpenAPI for every endpoint that needs them.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": HTTPStatus(code).phrase}
    for code in (400, 401, 409, 413, 415, 422, 429, 503, 504)
}
READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": HTTPStatus(code).phrase}
    for code in (401, 404, 422, 429, 503, 504)
}


class ApiError(Exception):
    """An error answer: HTTP status, machine-readable ``error``, message and field."""

    def __init__(
        self,
        status_code: int,
        error: str,
        message: str,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error = error
        self.message = message
        self.field = field
        self.headers = dict(headers or {})


def error_response(
    status_code: int,
    error: str,
    message: str,
    *,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = ErrorBody(error=error, message=message, field=field).model_dump()
    body.update(extra or {})
    return JSONResponse(body, status_code=status_code, headers=dict(headers or {}))


def describe_validation_errors(
    errors: Sequence[Any], *, drop_prefixes: tuple[str, ...] = ()
) -> tuple[str, str]:
    """The field and message of the first error of a pydantic error list.

    ``loc`` parts are joined with dots (``claims.0.text``); an error about the whole
    document (no location) names the field ``body``.
    """
    if not errors:
        return "body", "invalid request"
    first = errors[0]
    loc = [str(part) for part in first.get("loc", ())]
    if loc and loc[0] in drop_prefixes:
        loc = loc[1:]
    field = ".".join(loc) or "body"
    kind = first.get("type", "")
    if kind == "extra_forbidden":
        message = f"unknown field {field!r}"
    elif kind == "missing":
        message = f"field {field!r} is required"
    else:
        message = f"{field}: {first.get('msg', 'invalid value')}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem(s))"
    return field, message


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(
        exc.status_code, exc.error, exc.message, field=exc.field, headers=exc.headers
    )


def rate_limited_error(exc: RateLimited) -> ApiError:
    """The 429 answer to a refused rate limit; ``Retry-After`` says when the window turns."""
    return ApiError(429, "rate_limited", str(exc), headers={"Retry-After": str(exc.retry_after_s)})


async def _rate_limited(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimited)
    return await _api_error(request, rate_limited_error(exc))


async def _input_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InputError)
    return error_response(422, "invalid_input", str(exc), field=exc.field)


async def _transient_error(_: Request, exc: Exception) -> JSONResponse:
    logger.warning("answering 503: %s", exc)
    retry_after = getattr(exc, "retry_after", None)
    if is_out_of_memory(exc):
        retry_after = max(retry_after or 0, OVER_CAPACITY_RETRY_AFTER_S)
        return error_response(
            503,
            "over_capacity",
            "the queue store is full (Redis is at its memory limit); nothing was accepted, "
            "try again later",
            headers={"Retry-After": str(max(1, round(retry_after)))},
        )
    headers = {"Retry-After": str(max(1, round(retry_after or 1)))}
    return error_response(
        503, "unavailable", "a backing service is unavailable; try again later", headers=headers
    )


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    field, message = describe_validation_errors(
        exc.errors(), drop_prefixes=("body", "path", "query", "header")
    )
    return error_response(422, "validation_error", message, field=field)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:  # no route: perhaps one for the path without its slash
        redirect = slash_redirect(request)
        if redirect is not None:
            return redirect
    try:
        phrase = HTTPStatus(exc.status_code).phrase
    except ValueError:
        phrase = "error"
    error = phrase.lower().replace(" ", "_").replace("-", "_")
    message = exc.detail if isinstance(exc.detail, str) else phrase
    return error_response(exc.status_code, error, message, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    """Make every error answer of ``app`` an ErrorBody."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RateLimited, _rate_limited)
    app.add_exception_handler(InputError, _input_error)
    app.add_exception_handler(TransientError, _transient_error)
    app.add_exception_handler(redis.RedisError, _transient_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
