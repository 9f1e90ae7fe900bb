"""Redis key names, in one place."""

from __future__ import annotations

from dataclasses import dataclass

NO_NEWSROOM = "-"
"""The namespace of claims without a newsroom (authentication off). Newsroom names start
with a letter or digit, so no newsroom is called this."""


def newsroom_namespace(newsroom: str | None) -> str:
    """The name a newsroom's keys and files go under (:data:`NO_NEWSROOM` for none)."""
    return newsroom or NO_NEWSROOM


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
        return f"{self.prefix}:review_queue:{newsroom_namespace(newsroom)}"

    def cites(self, doc_id: str) -> str:
        """The set of claims whose published verdict cites stored document ``doc_id``."""
        return f"{self.prefix}:cites:{doc_id}"

    def recheck(self, claim_id: str, doc_id: str, change: str) -> str:
        """Marks that one change of a document (``change``: the id the change was given
        when it was recorded) re-queued a claim, so that it is done once."""
        return f"{self.prefix}:recheck:{claim_id}:{doc_id}:{change}"

    def recheck_pending(self) -> str:
        """The sorted set of documents whose change still has citing claims to re-check,
        oldest first (:mod:`shared.rechecks`)."""
        return f"{self.prefix}:recheck_pending"

    def recheck_changes(self) -> str:
        """The hash of each pending document's latest change id."""
        return f"{self.prefix}:recheck_changes"

    def recheck_order(self) -> str:
        """The counter that orders :meth:`recheck_pending`."""
        return f"{self.prefix}:recheck_order"

    def idempotency(self, scope: str, key: str) -> str:
        return f"{self.prefix}:idem:{scope}:{key}"
