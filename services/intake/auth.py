"""API-key authentication: ``X-API-Key`` maps to a newsroom (``settings.api_keys``)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from services.intake.errors import ApiError
from shared.settings import Settings

logger = logging.getLogger(__name__)

API_KEY_HEADER = "X-API-Key"

api_key_scheme = APIKeyHeader(
    name=API_KEY_HEADER,
    scheme_name="ApiKey",
    description="The newsroom's API key (CLAIMCHECK_API_KEYS).",
    auto_error=False,
)


def require_newsroom(
    request: Request, api_key: Annotated[str | None, Security(api_key_scheme)]
) -> str | None:
    """The newsroom the request's key belongs to; None when authentication is off.

    Raises a 401 ApiError for a missing or unknown key. The key itself is never logged.
    """
    settings: Settings = request.app.state.settings
    if not settings.auth_enabled:
        return None
    if not api_key:
        raise ApiError(
            401, "unauthorized", f"missing {API_KEY_HEADER} header", field=API_KEY_HEADER
        )
    newsroom = settings.newsroom_for_key(api_key)
    if newsroom is None:
        logger.warning("rejected an unknown API key on %s %s", request.method, request.url.path)
        raise ApiError(401, "unauthorized", "invalid API key", field=API_KEY_HEADER)
    return newsroom


Newsroom = Annotated[str | None, Depends(require_newsroom)]
