"""Reading a JSON request body with exact control over every way it can be wrong.

The order of checks: content type (415), declared size (413, before reading), actual
size while reading (413), strict UTF-8 (400), nesting depth (400, before parsing, so a
body nested a thousand levels deep never reaches the recursive parser), JSON syntax (400),
lone surrogates (``"\\ud800"`` parses but is no Unicode: 422 naming the field), then the
pydantic model (422 naming the field). Nothing is stored before all of them passed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from services.intake.api.error_answers import ApiError, describe_validation_errors
from shared.jsonl import MAX_DEPTH, lone_surrogate, too_deep

ModelT = TypeVar("ModelT", bound=BaseModel)

BODY_OVERHEAD_BYTES = 256 * 1024
"""Room for the optional fields and JSON syntax around the text."""
_MAX_BYTES_PER_CHAR = 6
"""The most JSON bytes one character can take (``\\u00e9``-style escapes)."""


@dataclass(frozen=True)
class RequestLimits:
    """What one submission may hold (:func:`services.intake.api.components.request_limits`
    reads it from the settings)."""

    max_text_chars: int
    """The longest text accepted (``CLAIMCHECK_MAX_TEXT_CHARS``)."""
    max_claims_per_article: int
    """Claims queued for one article; the rest are skipped (``over_claim_limit``)."""


def max_body_bytes(limits: RequestLimits) -> int:
    """The largest body that could carry a text of ``limits.max_text_chars``."""
    return limits.max_text_chars * _MAX_BYTES_PER_CHAR + BODY_OVERHEAD_BYTES


def check_content_type(request: Request) -> None:
    """Accept ``application/json`` (or ``+json``), charset UTF-8 if one is given."""
    raw = request.headers.get("content-type", "")
    media_type, _, params = raw.partition(";")
    media_type = media_type.strip().lower()
    if media_type != "application/json" and not (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        raise ApiError(
            415,
            "unsupported_media_type",
            f"Content-Type must be application/json, not {media_type or 'missing'!r}",
            field="Content-Type",
        )
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in {
            "utf-8",
            "utf8",
        }:
            raise ApiError(
                415, "unsupported_media_type", "the body must be UTF-8", field="Content-Type"
            )


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413, "payload_too_large", f"the request body exceeds {limit} bytes", field="body"
    )


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            length = int(declared)
        except ValueError:
            raise ApiError(
                400, "bad_request", "Content-Length is not a number", field="Content-Length"
            ) from None
        if length > limit:
            raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ApiError(400, "malformed_json", f"duplicate key {key!r}", field=key)
        result[key] = value
    return result


def parse_json(raw: bytes) -> Any:
    """Decode strict UTF-8, then strict JSON (no NaN/Infinity, no duplicate keys)."""
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise ApiError(
            400, "invalid_utf8", f"the body is not valid UTF-8 (byte {exc.start})", field="body"
        ) from None
    if too_deep(text):
        raise ApiError(
            400, "too_deep", f"the body nests deeper than {MAX_DEPTH} levels", field="body"
        )
    try:
        payload = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError) as exc:
        raise ApiError(
            400, "malformed_json", f"the body is not valid JSON: {exc}", field="body"
        ) from None
    bad = lone_surrogate(payload)
    if bad:
        raise ApiError(
            422,
            "validation_error",
            f"{bad}: holds a lone surrogate (\\ud800-\\udfff), which is not valid Unicode",
            field=bad,
        )
    return payload


def validate(model: type[ModelT], payload: Any) -> ModelT:
    """``model.model_validate(payload)``, failing as a 422 that names the field."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        field, message = describe_validation_errors(exc.errors())
        raise ApiError(422, "validation_error", message, field=field) from None


def check_text_length(text: str, limits: RequestLimits) -> None:
    if len(text) > limits.max_text_chars:
        raise ApiError(
            422,
            "text_too_long",
            f"text has {len(text)} characters; at most {limits.max_text_chars} are accepted",
            field="text",
        )


async def read_submission(
    request: Request, model: type[ModelT], limits: RequestLimits
) -> tuple[ModelT, Any]:
    """The validated body and the parsed JSON it came from."""
    check_content_type(request)
    raw = await read_body(request, max_body_bytes(limits))
    payload = parse_json(raw)
    submission = validate(model, payload)
    text = getattr(submission, "text", None)
    if isinstance(text, str):
        check_text_length(text, limits)
    return submission, payload
