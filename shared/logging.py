"""Log output for every claimcheck process: text or one JSON object per line, never a secret.

:func:`configure_logging` installs one handler on the root logger with a
:class:`RedactingFormatter`: whatever the format, every configured secret (API keys, the
admin key, a Redis password) and anything shaped like a claimcheck key (``cck_…``) is
replaced by ``[redacted]`` in the finished line, exceptions included. In JSON lines the
context fields a log call passes as ``extra`` (``claim_id``, ``article_id``, ``newsroom``...)
become top-level fields.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import urlsplit

from shared.settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s"
REDACTED = "[redacted]"
KEY_SHAPE = re.compile(r"cck_[A-Za-z0-9_-]{16,}")
CONTEXT_FIELDS = (
    "claim_id",
    "article_id",
    "claim_ids",
    "newsroom",
    "key_id",
    "task",
    "method",
    "path",
    "status",
    "duration_ms",
)
_MIN_SECRET_LEN = 4


def settings_secrets(settings: Settings) -> list[str]:
    """Every secret value the settings hold."""
    found = [key.get_secret_value() for key in settings.api_keys.values()]
    for secret in (
        settings.admin_key,
        settings.client_api_key,
        settings.google_factcheck_api_key,
        settings.llm_judge_api_key,
    ):
        if secret is not None:
            found.append(secret.get_secret_value())
    for url in (settings.redis_url, settings.broker_url):
        password = urlsplit(url).password if url else None
        if password:
            found.append(password)
    return found


class Redactor:
    """Replaces known secrets and key-shaped strings in text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        usable = {s for s in secrets if len(s) >= _MIN_SECRET_LEN}
        self._secrets = sorted(usable, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return KEY_SHAPE.sub(REDACTED, text)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, process, message, context fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "process": record.processName,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc"] = record.exc_text
        return json.dumps(line, default=str, ensure_ascii=False)


class RedactingFormatter(logging.Formatter):
    """Formats with ``inner``, then redacts the finished line."""

    def __init__(self, inner: logging.Formatter, redactor: Redactor) -> None:
        super().__init__()
        self._inner = inner
        self._redact = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(self._inner.format(record))


def make_formatter(settings: Settings, text_format: str = TEXT_FORMAT) -> logging.Formatter:
    inner = JsonFormatter() if settings.log_format == "json" else logging.Formatter(text_format)
    return RedactingFormatter(inner, Redactor(settings_secrets(settings)))


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> logging.Handler:
    """Replace the root logger's handlers with one that writes ``settings.log_format``."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(make_formatter(settings))
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)
    return handler
