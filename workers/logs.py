"""Log lines that always name the claim (and its article) they are about."""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any


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
