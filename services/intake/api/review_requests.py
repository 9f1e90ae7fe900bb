"""Editors' reviews on the HTTP side: finding the claim, recording a review, the queue.

These functions block (Redis); the routes run them in a thread.

The review queue is a sorted set per newsroom (``<prefix>:review_queue:<newsroom>``) that
the publisher's script fills when it publishes a verdict with ``needs_review``, scored by
minus the claim's check-worthiness (:func:`shared.store.publisher.review_queue_score`). A page
reads the set from the cursor on (O(log n + page)) and checks each member against its
record: a member whose claim was reviewed meanwhile, or whose record expired, is dropped
from the set as it is met, so the set needs no other upkeep. With authentication off the
queue holds the claims submitted without a newsroom.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from services.intake.api.context import IntakeContext
from services.intake.api.error_answers import ApiError
from services.intake.api.ids import is_claim_id
from shared.errors import ClaimNotFoundError, StoreUnavailableError
from shared.newsroom.rechecks import new_change_id
from shared.newsroom.reviews import NotCheckedError
from shared.newsroom.rulings import ruling_document
from shared.schemas import ReviewAccepted, ReviewQueue, ReviewQueueItem, ReviewSubmission
from shared.store.claims import ClaimRecord

log = logging.getLogger(__name__)

_CHUNK = 200
_QUEUE_FIELDS = ("newsroom", "status", "review_fp", "checkworthiness")
_DECIDED = frozenset({"done", "failed"})

SortKey = tuple[float, str]
"""A queue position: minus the check-worthiness (unknown: 1, last), then the claim id."""


def not_found(claim_id: str) -> ApiError:
    """The 404 of a claim this caller may not see: unknown, gone, or another newsroom's."""
    return ApiError(404, "not_found", f"no claim {claim_id!r}", field="claim_id")


def find_claim(ctx: IntakeContext, claim_id: str, newsroom: str | None) -> ClaimRecord:
    """The claim's record; 404 for an unknown id and for another newsroom's claim."""
    record = ctx.store.get_claim(claim_id) if is_claim_id(claim_id) else None
    if record is None or (newsroom is not None and record.newsroom != newsroom):
        raise not_found(claim_id)
    return record


def accept_review(
    ctx: IntakeContext, record: ClaimRecord, submission: ReviewSubmission
) -> ReviewAccepted:
    """Record the review of ``record``, the claim as the route found it (:func:`find_claim`).

    The recorder reads the claim again only where that record may be out of date: when it
    has no verdict yet (one may have arrived while the request was read) and when the claim
    changed before the review got in (another verdict, an edited text; the review script
    tells). It also resolves the claim's twins waiting in the queue
    (:meth:`~shared.newsroom.reviews.ReviewRecorder.resolve_twins`).
    """
    claim_id = record.claim_id
    try:
        outcome = ctx.reviews.record(record, submission)
    except NotCheckedError:
        raise ApiError(
            409,
            "not_checked",
            f"claim {claim_id!r} has no verdict yet; review it once it is checked",
            field="claim_id",
        ) from None
    except ClaimNotFoundError:
        raise not_found(claim_id) from None
    if outcome.recorded:
        recheck_repeats(ctx, outcome.claim)
    return ReviewAccepted(
        claim_id=claim_id,
        recorded=outcome.recorded,
        stream_id=outcome.stream_id,
        review=outcome.review,
    )


def recheck_repeats(ctx: IntakeContext, record: ClaimRecord) -> None:
    """Re-queue the claims an earlier ruling on this text decided: they are checked again,
    follow the new ruling and publish ``verdict.updated`` (at most
    ``CLAIMCHECK_RECHECK_MAX_PER_IMPORT`` per ruling; the review stands if this fails)."""
    change = {ruling_document(record.text): new_change_id()}
    try:
        report = ctx.rechecks.recheck(
            change, ctx.enqueuer.enqueue, limit=ctx.settings.recheck_max_per_import
        )
    except StoreUnavailableError as exc:
        log.warning("review recorded; its repeats were not re-queued: %s", exc)
        return
    if report.requeued:
        log.info("review of %s re-queued %d repeats", record.claim_id, len(report.requeued))


# --- the queue ------------------------------------------------------------------------


CURSOR_PATTERN = r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?~[A-Za-z0-9_]{1,100}$"
"""A cursor: the last position shown, ``<score>~<claim id>``. Declared in the OpenAPI schema,
so that every string the schema admits is a position (a fuzzer's valid cursor is one)."""
_CURSOR = re.compile(CURSOR_PATTERN)


def encode_cursor(position: SortKey) -> str:
    return f"{float(position[0])!r}~{position[1]}"


def decode_cursor(cursor: str) -> SortKey:
    """A cursor of :func:`encode_cursor` read back; anything else is a 422."""
    if not _CURSOR.match(cursor):
        raise ApiError(
            422, "validation_error", "cursor: not a cursor this API gave out", field="cursor"
        )
    score, claim_id = cursor.split("~", 1)
    return float(score), claim_id


def _waiting(fields: list[Any], newsroom: str | None) -> bool:
    """Whether a claim (its :data:`_QUEUE_FIELDS`) is decided, unreviewed and visible."""
    owner, status, reviewed = fields[0], fields[1], fields[2]
    return status in _DECIDED and reviewed is None and (newsroom is None or owner == newsroom)


def _page_positions(
    ctx: IntakeContext, newsroom: str | None, after: SortKey | None, want: int
) -> list[SortKey]:
    """Up to ``want`` positions after ``after`` whose claims still wait; stale members are
    removed from the set on the way."""
    key = ctx.store.keys.review_queue(newsroom)
    low: float | str = after[0] if after is not None else "-inf"
    found: list[SortKey] = []
    offset = 0
    while len(found) < want:
        chunk: list[tuple[str, float]] = ctx.redis.zrangebyscore(
            key, low, "+inf", start=offset, num=_CHUNK, withscores=True
        )
        if not chunk:
            break
        offset += len(chunk)
        candidates = [(score, str(cid)) for cid, score in chunk]
        candidates = [p for p in candidates if after is None or p > after]
        with ctx.redis.pipeline(transaction=False) as pipe:
            for _score, cid in candidates:
                pipe.hmget(ctx.store.keys.claim(cid), *_QUEUE_FIELDS)
            rows: list[list[Any]] = pipe.execute()
        stale = [
            cid
            for (_s, cid), row in zip(candidates, rows, strict=True)
            if not _waiting(row, newsroom)
        ]
        if stale:
            ctx.redis.zrem(key, *stale)
            offset -= len(stale)
        found.extend(p for p, row in zip(candidates, rows, strict=True) if _waiting(row, newsroom))
    return found[:want]


def review_queue(
    ctx: IntakeContext, newsroom: str | None, *, limit: int, cursor: str | None
) -> ReviewQueue:
    """One page of the queue: the ``limit`` positions after ``cursor``, most check-worthy
    first. A cursor names the last position shown, so a claim reviewed (or added) between
    two pages moves no other claim from one page to the next."""
    after = decode_cursor(cursor) if cursor is not None else None
    positions = _page_positions(ctx, newsroom, after, limit + 1)
    page = positions[:limit]
    records = {r.claim_id: r for r in ctx.store.get_claims([cid for _, cid in page])}
    items = [
        ReviewQueueItem.model_validate(records[cid], from_attributes=True)
        for _, cid in page
        if cid in records and records[cid].verdict is not None
    ]
    more = len(positions) > limit
    return ReviewQueue(items=items, next_cursor=encode_cursor(page[-1]) if more else None)
