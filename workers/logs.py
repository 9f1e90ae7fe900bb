"""Log lines that always name the claim (and its article) they are about."""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

from celery.signals import after_setup_logger, after_setup_task_logger

from shared.logging import TEXT_FORMAT, make_formatter
from shared.settings import Settings


class ClaimLogger(logging.LoggerAdapter[logging.Logger]):
    """Prefixes every message with ``claim=<id> article=<id>`` and adds them as extras."""

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, Any]:
        extra = self.extra or {}
        kwargs.setdefault("extra", {}).update(extra)
        return (
            f"claim={extra.get('claim_id')} article={extra.get('article_id') or '-'} {msg}",
            kwargs,
        )


def claim_logger(logger: logging.Logger, claim_id: str, article_id: str | None) -> ClaimLogger:
    return ClaimLogger(logger, {"claim_id": claim_id, "article_id": article_id})


def install_log_format(app: Any, settings: Settings) -> None:
    """After Celery set up its loggers, give their handlers claimcheck's formatter
    (``CLAIMCHECK_LOG_FORMAT``, secrets redacted). The receiver is kept on ``app``
    because Celery's signals hold weak references."""

    def reformat(logger: logging.Logger, **_: Any) -> None:
        for handler in logger.handlers:
            handler.setFormatter(make_formatter(settings, TEXT_FORMAT))

    app.claimcheck_log_receiver = reformat
    after_setup_logger.connect(reformat)
    after_setup_task_logger.connect(reformat)
