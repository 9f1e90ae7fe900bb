"""The trailing-slash redirect, made relative: ``GET /v1/articles/`` → ``307`` with
``Location: /v1/articles``.

Starlette's own redirect writes an absolute URL built from the request's ``Host`` header,
so a client (or anything between it and a shared cache) choosing the Host chooses the
site the answer sends browsers to. The app turns that redirect off and answers its 404s
through :func:`slash_redirect`, which names only a path of this server.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.routing import Match


def slash_redirect(request: Request) -> RedirectResponse | None:
    """A redirect to the path without its trailing slash, if a route serves that path."""
    scope = request.scope
    path: str = scope["path"]
    trimmed = path[:-1]
    if not path.endswith("/") or not trimmed or trimmed.startswith("//"):
        return None
    trimmed_scope = {**scope, "path": trimmed}
    if not any(route.matches(trimmed_scope)[0] != Match.NONE for route in request.app.routes):
        return None
    raw = scope.get("raw_path")
    target = raw.decode("latin-1")[:-1] if raw and raw.endswith(b"/") else trimmed
    query = scope.get("query_string", b"").decode("latin-1")
    location = scope.get("root_path", "") + target + (f"?{query}" if query else "")
    return RedirectResponse(location, status_code=307)
