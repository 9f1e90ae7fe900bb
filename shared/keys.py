"""Redis key names, in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    """Builds every Redis key claimcheck uses from one prefix."""

    prefix: str

    def claim(self, claim_id: str) -> str:
        return f"{self.prefix}:claim:{claim_id}"

    def article(self, article_id: str) -> str:
        return f"{self.prefix}:article:{article_id}"

    def article_done(self, article_id: str) -> str:
        return f"{self.prefix}:article:{article_id}:done"

    def article_counts(self, article_id: str) -> str:
        return f"{self.prefix}:article:{article_id}:counts"

    def review_queue(self, newsroom: str | None) -> str:
        """The sorted set of a newsroom's verdicts waiting for a review (auth off: ``-``)."""
        return f"{self.prefix}:review_queue:{newsroom or '-'}"

    def idempotency(self, scope: str, key: str) -> str:
        return f"{self.prefix}:idem:{scope}:{key}"
