"""The one error hierarchy of claimcheck.

::

    ClaimcheckError
    ├── ConfigurationError          invalid settings; raised at start-up
    ├── InputError                  a client sent something we refuse (HTTP 4xx)
    │   └── RefusedTargetError      a webhook URL names or resolves to a non-public address
    ├── TransientError              may succeed if tried again later: Celery retries these
    │   ├── StoreUnavailableError   Redis (store, stream or broker) did not answer
    │   └── TransientSourceError    a reference source timed out, was rate limited or answered 5xx
    └── PermanentError              will fail the same way every time: never retried
        ├── ClaimNotFoundError      a task names a claim the store does not hold
        └── PermanentSourceError    a reference source refused the request or answered garbage

Only subclasses of :class:`TransientError` are retried by the workers. Everything
else ends the claim with a ``not_enough_info`` verdict that states the reason.
"""

from __future__ import annotations


class ClaimcheckError(Exception):
    """Base class of every error claimcheck raises on purpose."""


class ConfigurationError(ClaimcheckError):
    """Settings are missing or invalid; the message names the variable."""


class InputError(ClaimcheckError):
    """A client request is invalid; ``field`` names the offending field."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class RefusedTargetError(InputError):
    """A webhook URL names, or resolves to, an address that is not public (loopback,
    private, link-local, ...: :mod:`shared.address_policy`); refused at registration and
    at each delivery."""


class TransientError(ClaimcheckError):
    """A failure that may go away on its own: retry with backoff."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(ClaimcheckError):
    """A failure that retrying cannot fix."""


class StoreUnavailableError(TransientError):
    """Redis could not be reached or timed out."""


class OverCapacityError(StoreUnavailableError):
    """Redis is (nearly) at its maxmemory: new work is refused until the backlog drains."""


class TransientSourceError(TransientError):
    """A reference source failed in a way that may pass (timeout, 429, 5xx)."""

    def __init__(self, source: str, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(f"{source}: {message}", retry_after=retry_after)
        self.source = source


class PermanentSourceError(PermanentError):
    """A reference source failed in a way that will repeat (4xx, malformed answer)."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source


class ClaimNotFoundError(PermanentError):
    """A task referred to a claim id that is not in the store."""
