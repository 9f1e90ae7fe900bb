"""Verdicts follow their evidence: re-queue the claims whose verdicts cited a changed document.

When a verdict is published, each stored document its evidence came from (evidence with a
``doc_hash``: the knowledge base) indexes the claim (``<prefix>:cites:<doc_id>``, written by
``shared/lua/publish.lua``). After ``kb import`` (or ``import-wikipedia``, or ``kb remove``)
changed or removed documents, :func:`recheck_citing` raises each citing claim's ``revision``
and queues its job again; the worker checks it again and publishes a ``verdict.updated``
entry carrying the new revision and the ``previous_label``. One change (a document id and its
new content hash, or ``removed``) re-queues a claim once (``shared/lua/recheck.lua``), and
the publisher accepts one verdict per (claim, revision): a claim is never re-checked twice for
one change, and a re-check delivered twice publishes once. Opt-in:
``CLAIMCHECK_RECHECK_ON_CHANGE``, at most ``CLAIMCHECK_RECHECK_MAX_PER_IMPORT`` claims per
import (the rest are counted, not queued).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import redis

from shared.errors import StoreUnavailableError
from shared.keys import Keys
from shared.lua import read_script

REMOVED: Final = "removed"
"""The change marker of a removed document."""
MARKER_TTL_S: Final = 30 * 24 * 3600


@dataclass
class RecheckReport:
    """What one import's re-check did."""

    documents: int = 0
    """Changed or removed documents looked at."""
    requeued: list[str] = field(default_factory=list)
    """Claims queued again."""
    already: int = 0
    """Citing claims this same change had already re-queued (or without a verdict yet)."""
    over_limit: int = 0
    """Citing claims not queued: the import's limit was reached."""

    def __str__(self) -> str:
        over = f", {self.over_limit} over the limit (not re-checked)" if self.over_limit else ""
        return (
            f"re-check: {len(self.requeued)} claims queued again for {self.documents} changed "
            f"or removed documents ({self.already} already queued for this change{over})"
        )


def recheck_citing(
    client: redis.Redis,
    key_prefix: str,
    changes: Mapping[str, str],
    enqueue: Callable[[Sequence[str]], None],
    *,
    limit: int,
) -> RecheckReport:
    """Re-queue the claims citing ``changes`` (doc id -> new content hash or
    :data:`REMOVED`), at most ``limit``; ``enqueue`` sends the jobs (by claim id)."""
    keys = Keys(key_prefix)
    script = client.register_script(read_script("shared.lua", "recheck.lua"))
    report = RecheckReport(documents=len(changes))
    try:
        for doc_id, change in sorted(changes.items()):
            for claim_id in sorted(str(c) for c in client.smembers(keys.cites(doc_id))):
                if len(report.requeued) >= limit:
                    report.over_limit += 1
                    continue
                marker = keys.recheck(claim_id, doc_id, change)
                revision = int(script(keys=[keys.claim(claim_id), marker], args=[MARKER_TTL_S]))
                if revision > 0:
                    report.requeued.append(claim_id)
                else:
                    report.already += 1
    except redis.RedisError as exc:
        raise StoreUnavailableError(f"could not re-queue citing claims: {exc}") from exc
    if report.requeued:
        enqueue(report.requeued)
    return report


def changes_of(
    updated: Iterable[str], hashes: Mapping[str, str | None], removed: Iterable[str] = ()
) -> dict[str, str]:
    """The change markers of updated documents (by their new hash) and removed ones."""
    out = {doc_id: hashes.get(doc_id) or "changed" for doc_id in updated}
    out.update({doc_id: REMOVED for doc_id in removed})
    return out
