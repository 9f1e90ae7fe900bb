"""An editor's checked text on the HTTP side: ``PATCH /v1/claims/{claim_id}``.

The claim's text becomes the editor's and its job is queued again (see
:mod:`shared.newsroom.checked_text`); the answer is the claim as ``GET /v1/claims/{claim_id}`` then
shows it. This function blocks (Redis, the broker); the route runs it in a thread.
"""

from __future__ import annotations

import logging

from services.intake.api.context import IntakeContext
from services.intake.api.review_requests import find_claim, not_found
from shared.errors import ClaimNotFoundError
from shared.newsroom.checked_text import CheckedTextSubmission
from shared.schemas import ClaimStatus
from shared.store.claims import ClaimRecord

log = logging.getLogger(__name__)


def edit_checked_text(
    ctx: IntakeContext,
    record: ClaimRecord,
    newsroom: str | None,
    submission: CheckedTextSubmission,
) -> ClaimStatus:
    """Store the editor's checked text on ``record``, the claim as the route found it for
    ``newsroom`` (:func:`~services.intake.api.review_requests.find_claim`), and queue the
    claim's check of it; the answer is the claim read again after the edit.

    The text the claim already has changes nothing and queues nothing. When queuing fails
    (503) the text stays stored with the claim ``queued``: a repeat of the request changes
    nothing more, and the re-queue sweep (:mod:`services.intake.api.sweeper`) sends the job.
    """
    claim_id = record.claim_id
    ctx.capacity.check()
    try:
        outcome = ctx.checked_texts.edit(claim_id, submission)
    except ClaimNotFoundError:  # expired since the route found it
        raise not_found(claim_id) from None
    if outcome.changed:
        ctx.enqueuer.enqueue([claim_id])
        log.info(
            "checked text of %s set by an editor: revision %d",
            claim_id,
            outcome.revision,
            extra={"claim_id": claim_id, "newsroom": newsroom},
        )
    return ClaimStatus.model_validate(find_claim(ctx, claim_id, newsroom), from_attributes=True)
