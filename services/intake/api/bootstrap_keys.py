"""The intake's bootstrap keys (``CLAIMCHECK_API_KEYS``, ``CLAIMCHECK_ADMIN_KEY``), checked
once when the intake starts.

Only the intake authenticates, so only the intake checks them: the CLI and the workers
build the same settings without caring whether keys are set. A key shorter than
:data:`MIN_KEY_LENGTH` characters, one of our example values (``data/placeholder_keys.json``),
one key given to two newsrooms (or to a newsroom and the admin), or a newsroom name that
the key store would refuse stops start-up with one line naming the variable. Local
development may lift the length and placeholder checks with
``CLAIMCHECK_ALLOW_INSECURE_KEYS=true``; duplicates and bad names are refused always.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import SecretStr

from shared.errors import ConfigurationError
from shared.store.api_keys import valid_newsroom

MIN_KEY_LENGTH = 32
"""About 190 bits as a random URL-safe string (``claimcheck keys add`` makes 43 characters)."""
_PLACEHOLDERS = Path(__file__).resolve().parent / "data" / "placeholder_keys.json"


@cache
def placeholder_keys() -> frozenset[str]:
    data = json.loads(_PLACEHOLDERS.read_text(encoding="utf-8"))
    return frozenset(str(k).lower() for k in data["placeholders"])


@dataclass(frozen=True)
class BootstrapKeys:
    """Newsroom -> key from the settings, and the admin key; checked (:meth:`check`) where
    the intake's root builds them (:func:`services.intake.api.components.bootstrap_keys`)."""

    newsrooms: dict[str, SecretStr]
    admin: SecretStr | None = None

    def check(self, *, allow_insecure: bool) -> None:
        """Raise :class:`ConfigurationError` naming the first bad variable."""
        if not self.newsrooms and self.admin is None:
            raise ConfigurationError(
                "invalid settings: CLAIMCHECK_API_KEYS and CLAIMCHECK_ADMIN_KEY are both "
                "empty while CLAIMCHECK_AUTH_ENABLED is true: set a key or turn "
                "authentication off for local use"
            )
        seen: dict[str, str] = {}
        for name, secret in self._named():
            newsroom = name.removeprefix("CLAIMCHECK_API_KEYS[").removesuffix("]")
            if name != "CLAIMCHECK_ADMIN_KEY" and not valid_newsroom(newsroom):
                raise ConfigurationError(
                    f"invalid settings: {name}: {newsroom!r} is not a valid newsroom name "
                    "(lower-case letters, digits, '.', '_' and '-', at most 64 characters)"
                )
            value = secret.get_secret_value()
            if value in seen:
                raise ConfigurationError(
                    f"invalid settings: {name}: the same key is also {seen[value]}; "
                    "every newsroom (and the admin) needs its own key"
                )
            seen[value] = name
            if not allow_insecure:
                _check_strength(name, value)

    def _named(self) -> list[tuple[str, SecretStr]]:
        named = [(f"CLAIMCHECK_API_KEYS[{n}]", s) for n, s in self.newsrooms.items()]
        if self.admin is not None:
            named.append(("CLAIMCHECK_ADMIN_KEY", self.admin))
        return named

    def newsroom_for(self, key: str) -> str | None:
        """The newsroom that owns ``key``, or None (constant-time comparison of each)."""
        found: str | None = None
        presented = key.encode("utf-8", errors="surrogatepass")
        for newsroom, secret in self.newsrooms.items():
            if hmac.compare_digest(secret.get_secret_value().encode(), presented):
                found = newsroom
        return found


def _check_strength(name: str, value: str) -> None:
    if value.strip().lower() in placeholder_keys():
        raise ConfigurationError(
            f"invalid settings: {name}: still the example value; generate a key "
            "(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    if len(value) < MIN_KEY_LENGTH:
        raise ConfigurationError(
            f"invalid settings: {name}: {len(value)} characters; keys need at least "
            f"{MIN_KEY_LENGTH} (CLAIMCHECK_ALLOW_INSECURE_KEYS=true for local development)"
        )
