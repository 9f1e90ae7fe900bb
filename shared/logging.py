"""Log output for every claimcheck process: text or one JSON object per line, never a secret.

:func:`configure_logging` installs one handler on the root logger with a
:class:`RedactingFormatter`: whatever the format, every configured secret (API keys, the
admin key, a Redis password) and anything shaped like a claimcheck key (``cck_…``) is
replaced by ``[redacted]``, exceptions included. The message and the exception text are
redacted before the inner formatter escapes them, and the finished line once more, so a
secret is caught also where it was percent-encoded (a key in a URL), JSON- or
backslash-escaped (a secret holding ``"`` or ``\\``). A secret shorter than
:data:`_SHORT_SECRET_LEN` characters is redacted only where it stands as a whole word, so a
two-letter password does not blank out every word that contains it. In JSON lines the
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
from urllib.parse import quote, quote_plus, urlsplit

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
_SHORT_SECRET_LEN = 8


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


def encoded_forms(secret: str) -> set[str]:
    """The ways a secret can appear in a log line: as is, percent-encoded (either case of
    the hex digits, ``+`` or ``%20`` for spaces), JSON-escaped and repr-escaped."""
    forms = {secret, json.dumps(secret, ensure_ascii=False)[1:-1], repr(secret)[1:-1]}
    forms |= {json.dumps(secret)[1:-1]}
    for encoded in (quote(secret, safe=""), quote_plus(secret, safe=""), quote(secret)):
        forms |= {encoded, re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), encoded)}
    return {f for f in forms if f}


class Redactor:
    """Replaces known secrets (in every encoded form) and key-shaped strings in text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms = {form for secret in secrets if secret for form in encoded_forms(secret)}
        long_forms = sorted((f for f in forms if len(f) >= _SHORT_SECRET_LEN), key=len)
        short_forms = sorted((f for f in forms if len(f) < _SHORT_SECRET_LEN), key=len)
        alternatives = [re.escape(f) for f in reversed(long_forms)]
        alternatives += [rf"(?<![^\W_]){re.escape(f)}(?![^\W_])" for f in reversed(short_forms)]
        self._pattern = re.compile("|".join(alternatives)) if alternatives else None

    def __call__(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(REDACTED, text)
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
    """Redacts the message and the exception text, formats with ``inner``, then redacts
    the finished line (context fields, anything the inner formatter added)."""

    def __init__(self, inner: logging.Formatter, redactor: Redactor) -> None:
        super().__init__()
        self._inner = inner
        self._redact = redactor

    def format(self, record: logging.LogRecord) -> str:
        clean = logging.makeLogRecord(record.__dict__)
        clean.msg, clean.args = self._redact(record.getMessage()), None
        if record.exc_info or record.exc_text:
            exc_text = record.exc_text or self._inner.formatException(record.exc_info)  # type: ignore[arg-type]
            clean.exc_info, clean.exc_text = None, self._redact(exc_text)
        if record.stack_info:
            clean.stack_info = self._redact(record.stack_info)
        return self._redact(self._inner.format(clean))


def make_formatter(settings: Settings, text_format: str = TEXT_FORMAT) -> logging.Formatter:
    inner = JsonFormatter() if settings.log_format == "json" else logging.Formatter(text_format)
    return RedactingFormatter(inner, Redactor(settings_secrets(settings)))


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> logging.Handler:
    """Replace the root logger's handlers with one that writes ``settings.log_format``."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(make_formatter(settings))
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)
    return handler
