"""Editors' reviews on the HTTP side: finding the claim, recording a review, the queue.

These functions block (Redis); the routes run them in a thread.

The review queue is a scan, not an index: each page walks every claim record in Redis
(``SCAN`` over ``<prefix>:claim:*``, 500 keys a round trip), reads four small fields of
each, and reads and parses the verdict only of the newsroom's checked, unreviewed claims.
That costs O(records held) Redis work per page (records live ``CLAIMCHECK_RECORD_TTL_S``),
well under a second for tens of thousands of records; a sorted set per newsroom kept by
the publisher would make a page O(log n + limit).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from typing import Any

from services.intake.api.context import IntakeContext
from services.intake.api.errors import ApiError
from services.intake.api.ids import is_claim_id
from shared.errors import ClaimNotFoundError
from shared.reviews import NotCheckedError, ReviewRecorder
from shared.schemas import ReviewAccepted, ReviewQueue, ReviewQueueItem, ReviewSubmission
from shared.store import ClaimRecord

_SCAN_COUNT = 500
_QUEUE_FIELDS = ("newsroom", "status", "review_fp", "checkworthiness")
_DECIDED = frozenset({"done", "failed"})

SortKey = tuple[float, str]
"""A queue position: minus the check-worthiness (unknown: 1, last), then the claim id."""


def _not_found(claim_id: str) -> ApiError:
    return ApiError(404, "not_found", f"no claim {claim_id!r}", field="claim_id")


def find_claim(ctx: IntakeContext, claim_id: str, newsroom: str | None) -> ClaimRecord:
    """The claim's record; 404 for an unknown id and for another newsroom's claim."""
    record = ctx.store.get_claim(claim_id) if is_claim_id(claim_id) else None
    if record is None or (newsroom is not None and record.newsroom != newsroom):
        raise _not_found(claim_id)
    return record


def accept_review(
    ctx: IntakeContext, claim_id: str, newsroom: str | None, submission: ReviewSubmission
) -> ReviewAccepted:
    """Record the review (re-reading the claim: its verdict may have arrived meanwhile)."""
    record = find_claim(ctx, claim_id, newsroom)
    recorder = ReviewRecorder.from_settings(ctx.redis, ctx.settings)
    try:
        outcome = recorder.record(record, submission)
    except NotCheckedError:
        raise ApiError(
            409,
            "not_checked",
            f"claim {claim_id!r} has no verdict yet; review it once it is checked",
            field="claim_id",
        ) from None
    except ClaimNotFoundError:
        raise _not_found(claim_id) from None
    return ReviewAccepted(
        claim_id=claim_id,
        recorded=outcome.recorded,
        stream_id=outcome.stream_id,
        review=outcome.review,
    )


# --- the queue ------------------------------------------------------------------------


def encode_cursor(position: SortKey) -> str:
    raw = json.dumps([position[0], position[1]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> SortKey:
    """A cursor of :func:`encode_cursor` read back; anything else is a 422."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
        score, claim_id = value
        if isinstance(score, bool) or not isinstance(score, int | float):
            raise TypeError("score")
        if not isinstance(claim_id, str):
            raise TypeError("claim id")
        return float(score), claim_id
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise ApiError(
            422, "validation_error", "cursor: not a cursor this API gave out", field="cursor"
        ) from None


def _waiting(fields: list[Any], newsroom: str | None) -> bool:
    """Whether a claim (its :data:`_QUEUE_FIELDS`) is decided, unreviewed and visible."""
    owner, status, reviewed = fields[0], fields[1], fields[2]
    return status in _DECIDED and reviewed is None and (newsroom is None or owner == newsroom)


def _needs_review(verdict_json: str | None) -> bool:
    if not verdict_json:
        return False
    try:
        return bool(json.loads(verdict_json).get("needs_review"))
    except (json.JSONDecodeError, AttributeError):
        return False


def _positions(ctx: IntakeContext, keys: list[str], newsroom: str | None) -> Iterator[SortKey]:
    """The queue positions of those of ``keys`` that wait for a review."""
    with ctx.redis.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.hmget(key, *_QUEUE_FIELDS)
        rows: list[list[Any]] = pipe.execute()
    waiting = [(key, row) for key, row in zip(keys, rows, strict=True) if _waiting(row, newsroom)]
    with ctx.redis.pipeline(transaction=False) as pipe:
        for key, _row in waiting:
            pipe.hget(key, "verdict")
        verdicts: list[str | None] = pipe.execute()
    for (key, row), verdict in zip(waiting, verdicts, strict=True):
        if _needs_review(verdict):
            score = float(row[3]) if row[3] else -1.0
            yield -score, key.rsplit(":", 1)[-1]


def waiting_positions(ctx: IntakeContext, newsroom: str | None) -> list[SortKey]:
    """Every claim of ``newsroom`` (None: every claim) waiting for a review, in queue order."""
    pattern = ctx.store.keys.claim("*")
    found: list[SortKey] = []
    batch: list[str] = []
    for key in ctx.redis.scan_iter(match=pattern, count=_SCAN_COUNT):
        batch.append(str(key))
        if len(batch) >= _SCAN_COUNT:
            found.extend(_positions(ctx, batch, newsroom))
            batch = []
    if batch:
        found.extend(_positions(ctx, batch, newsroom))
    return sorted(found)


def review_queue(
    ctx: IntakeContext, newsroom: str | None, *, limit: int, cursor: str | None
) -> ReviewQueue:
    """One page of the queue: the ``limit`` positions after ``cursor``, most check-worthy
    first. A cursor names the last position shown, so a claim reviewed (or added) between
    two pages moves no other claim from one page to the next."""
    after = decode_cursor(cursor) if cursor is not None else None
    positions = [p for p in waiting_positions(ctx, newsroom) if after is None or p > after]
    page = positions[:limit]
    records = {r.claim_id: r for r in ctx.store.get_claims([cid for _, cid in page])}
    items = [
        ReviewQueueItem.model_validate(records[cid], from_attributes=True)
        for _, cid in page
        if cid in records and records[cid].verdict is not None
    ]
    more = len(positions) > limit
    return ReviewQueue(items=items, next_cursor=encode_cursor(page[-1]) if more else None)
