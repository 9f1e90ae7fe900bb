"""Log lines that always name the claim (and its article) they are about."""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping
from typing import Any

from celery.signals import after_setup_logger, after_setup_task_logger


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


def install_log_format(app: Any, formatter: Callable[[], logging.Formatter]) -> None:
    """After Celery set up its loggers, give each of their handlers a formatter made by
    ``formatter`` (the root's: ``CLAIMCHECK_LOG_FORMAT``, secrets redacted). The receiver is
    kept on ``app`` because Celery's signals hold weak references."""

    def reformat(logger: logging.Logger, **_: Any) -> None:
        for handler in logger.handlers:
            handler.setFormatter(formatter())

    app.claimcheck_log_receiver = reformat
    after_setup_logger.connect(reformat)
    after_setup_task_logger.connect(reformat)
