"""API-key authentication: ``X-API-Key`` maps to a newsroom; ``X-Admin-Key`` to the admin.

A newsroom key is either a bootstrap key from the settings (``CLAIMCHECK_API_KEYS``) or a key
made with ``claimcheck keys add`` and stored hashed in Redis (:mod:`shared.store.api_keys`).
Every authenticated request also counts against its newsroom's request rate limit, and
every failed one against its client address's failure limit. No key is ever logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from pydantic import SecretStr

from services.intake.api.error_answers import ApiError
from shared.store.api_keys import same_secret

if TYPE_CHECKING:  # the context's root (components) builds this module's AuthConfig
    from services.intake.api.context import IntakeContext

logger = logging.getLogger(__name__)

API_KEY_HEADER = "X-API-Key"
ADMIN_KEY_HEADER = "X-Admin-Key"
STATIC_KEY_ID_PREFIX = "static:"

api_key_scheme = APIKeyHeader(
    name=API_KEY_HEADER,
    scheme_name="ApiKey",
    description="The newsroom's API key (claimcheck keys add, or CLAIMCHECK_API_KEYS).",
    auto_error=False,
)
admin_key_scheme = APIKeyHeader(
    name=ADMIN_KEY_HEADER,
    scheme_name="AdminKey",
    description="The admin key (CLAIMCHECK_ADMIN_KEY).",
    auto_error=False,
)


@dataclass(frozen=True)
class AuthConfig:
    """Whether requests need a key (``CLAIMCHECK_AUTH_ENABLED``) and the admin key
    (``CLAIMCHECK_ADMIN_KEY``; None: no admin API); on ``app.state.auth``."""

    enabled: bool
    admin_key: SecretStr | None = None


@dataclass(frozen=True)
class Principal:
    """Who made a request: the newsroom and the id of the key it used."""

    newsroom: str
    key_id: str


def _unauthorized(message: str, header: str = API_KEY_HEADER) -> ApiError:
    return ApiError(401, "unauthorized", message, field=header)


def identify(ctx: IntakeContext, api_key: str) -> Principal | None:
    """The owner of ``api_key``: a bootstrap key from the settings, else a stored key."""
    newsroom = ctx.bootstrap.newsroom_for(api_key)
    if newsroom is not None:
        return Principal(newsroom=newsroom, key_id=STATIC_KEY_ID_PREFIX + newsroom)
    info = ctx.keys.find(api_key)
    return Principal(newsroom=info.newsroom, key_id=info.key_id) if info else None


def require_principal(
    request: Request, api_key: Annotated[str | None, Security(api_key_scheme)]
) -> Principal | None:
    """The request's newsroom and key; None when authentication is off.

    Raises a 401 ApiError for a missing or unknown key, and
    :class:`~services.intake.api.ratelimit.RateLimited` (answered 429) when the key is over
    its request rate limit. Sync on purpose: FastAPI runs it in a thread (it may ask Redis).
    """
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    auth: AuthConfig = request.app.state.auth
    if not auth.enabled:
        return None
    if not api_key:
        raise _unauthorized(f"missing {API_KEY_HEADER} header")
    ctx: IntakeContext = request.app.state.intake
    address = request.client.host if request.client else "unknown"
    ctx.limiter.check_address(address)  # an address that guessed too often: 429
    principal = identify(ctx, api_key)
    if principal is None:
        ctx.limiter.count_auth_failure(address)
        logger.warning("rejected an unknown API key on %s %s", request.method, request.url.path)
        raise _unauthorized("invalid API key")
    request.state.principal = principal
    ctx.limiter.check_request(principal.newsroom)
    return principal


def require_newsroom(
    principal: Annotated[Principal | None, Depends(require_principal)],
) -> str | None:
    """The newsroom the request's key belongs to; None when authentication is off."""
    return principal.newsroom if principal else None


def require_admin(
    request: Request, admin_key: Annotated[str | None, Security(admin_key_scheme)]
) -> None:
    """Let the admin key through; 404 when no admin key is configured, else 401."""
    auth: AuthConfig = request.app.state.auth
    if auth.admin_key is None:
        raise ApiError(404, "not_found", "the admin API is not enabled")
    if not admin_key or not same_secret(admin_key, auth.admin_key.get_secret_value()):
        logger.warning("rejected an admin request on %s %s", request.method, request.url.path)
        raise _unauthorized("invalid or missing admin key", ADMIN_KEY_HEADER)


Owner = Annotated[Principal | None, Depends(require_principal)]
Newsroom = Annotated[str | None, Depends(require_newsroom)]
Admin = Annotated[None, Depends(require_admin)]
