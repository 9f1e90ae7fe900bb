"""The intake's admin API (``X-Admin-Key``), as the operator CLI calls it.

``claimcheck keys`` and ``claimcheck webhooks add|list|remove`` call ``CLAIMCHECK_API_URL``
with ``X-Admin-Key: CLAIMCHECK_ADMIN_KEY``, so they need only the URL and the admin key,
never Redis credentials.
"""

from __future__ import annotations

from typing import Any, Self

import httpx

from shared.errors import ClaimcheckError
from shared.settings import Settings

ADMIN_HEADER = "X-Admin-Key"


class AdminApiError(ClaimcheckError):
    """The admin API refused a request or could not be reached."""


class AdminClient:
    """One ``httpx.Client`` on the intake, with the admin key; close it (or use ``with``)."""

    def __init__(
        self,
        base_url: str,
        admin_key: str,
        *,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url,
            headers={ADMIN_HEADER: admin_key},
            timeout=timeout,
            transport=transport,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        if settings.admin_key is None:
            raise AdminApiError("set CLAIMCHECK_ADMIN_KEY to use the admin API")
        return cls(settings.api_url, settings.admin_key.get_secret_value())

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise AdminApiError(
                f"the intake at {self._http.base_url} did not answer: {exc}"
            ) from exc
        if response.status_code >= 400:
            try:
                message = response.json().get("message", response.text)
            except ValueError:
                message = response.text
            raise AdminApiError(f"{response.status_code}: {message}")
        return response.json()
