"""What ``claimcheck extract`` and ``claimcheck submit`` read from their arguments: the
article's text and the optional ``--published-at`` date."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from shared.errors import InputError


def read_article(path: Path) -> str:
    """The text of ``path`` (``-``: standard input); an unreadable file is an
    :class:`InputError` that names it."""
    try:
        return sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise InputError(f"cannot read {path}: {reason}") from exc


def parse_published_at(value: str | None) -> datetime | None:
    """``--published-at``: an ISO 8601 date or date and time (``Z`` for UTC accepted)."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"--published-at: not an ISO date or datetime: {value!r}") from None
