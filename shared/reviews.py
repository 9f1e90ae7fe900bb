"""Editors' reviews of verdicts: stored on the claim record and announced on the stream.

One Lua script (``shared/lua/review.lua``) does, atomically: refuse an unknown claim or one
without a verdict, leave everything as it is when the claim already has the same review,
else write the review to the claim's hash and ``XADD`` a ``verdict.reviewed`` entry. A
review that replaces an earlier one names it (``supersedes``: the earlier ``reviewed_at``),
both on the record and on the stream.

Reviews of one claim are applied one after the other in the order the script runs them,
which is also their order on the stream; each one's ``reviewed_at`` is later than the one
it supersedes (a request whose clock reading is not later takes the stored time plus one
microsecond), so ``supersedes`` always points back in time.

The claim's hash gains five fields: ``review`` (the :class:`~shared.schemas.Review` as
JSON), ``review_fp`` (what makes two reviews the same), ``review_stream_id``,
``review_at`` (ISO 8601) and ``review_at_us`` (epoch microseconds).

The same script writes the review as the newsroom's ruling on the claim's text to the
rulings index (:mod:`shared.rulings`), so a recorded review and its ruling never part.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis

from shared.errors import ClaimcheckError, ClaimNotFoundError, StoreUnavailableError
from shared.keys import Keys
from shared.lua import read_script
from shared.publisher import PublisherConfig
from shared.rulings import (
    Ruling,
    claim_key,
    details_signature,
    ruling_details_key,
    rulings_key,
)
from shared.schemas import Review, ReviewSubmission, VerdictReviewed
from shared.settings import Settings
from shared.store import ClaimRecord

_LUA = "shared.lua"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_MAX_TRIES = 100
"""Retries when another review of the claim was recorded with a later clock reading. Each
lost try means another review was recorded, so a review gives up only when more than this
many others of the same claim got in at the same moment (16 at once did 6 tries)."""


class NotCheckedError(ClaimcheckError):
    """The claim has no verdict yet: there is nothing to review."""


@dataclass(frozen=True)
class RecordedReview:
    """What recording a review did."""

    recorded: bool
    """False when the claim already had this same review: nothing was written."""
    stream_id: str
    """The stream id of the claim's (current) review entry."""
    review: Review
    """The claim's review as it now stands."""


def review_fingerprint(submission: ReviewSubmission) -> str:
    """What makes two reviews the same: every field given, whatever the JSON's layout."""
    payload = submission.model_dump(mode="json", exclude_none=True)
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


class ReviewRecorder:
    """Records reviews (see the module's docstring); uses the publisher's stream settings."""

    def __init__(self, client: redis.Redis, config: PublisherConfig) -> None:
        self._prefix = config.key_prefix
        self._keys = Keys(config.key_prefix)
        self._stream = config.verdict_stream
        self._maxlen = config.stream_maxlen
        self._script = client.register_script(read_script(_LUA, "review.lua"))

    @classmethod
    def from_settings(cls, client: redis.Redis, settings: Settings) -> ReviewRecorder:
        return cls(client, PublisherConfig.from_settings(settings))

    def record(
        self, claim: ClaimRecord, submission: ReviewSubmission, *, now: datetime | None = None
    ) -> RecordedReview:
        """Record ``submission`` as the review of ``claim`` (a record read from the store).

        Raises :class:`NotCheckedError` when the claim has no verdict and
        :class:`~shared.errors.ClaimNotFoundError` when its record is gone.
        """
        if claim.verdict is None:
            raise NotCheckedError(f"claim {claim.claim_id} has no verdict yet")
        reviewed_at = now or datetime.now(UTC)
        for _ in range(_MAX_TRIES):
            reply = self._run(claim, submission, reviewed_at)
            code = int(reply[0])
            if code == -3:  # another review got in with a later clock reading
                later = _EPOCH + (int(reply[1]) + 1) * _MICROSECOND
                reviewed_at = max(datetime.now(UTC), later)
                continue
            if code == -1:
                raise ClaimNotFoundError(f"claim {claim.claim_id} is not in the store")
            if code == -2:
                raise NotCheckedError(f"claim {claim.claim_id} has no verdict yet")
            return RecordedReview(
                recorded=code == 1,
                stream_id=str(reply[2]),
                review=Review.model_validate_json(reply[1]),
            )
        raise StoreUnavailableError(f"could not order the review of claim {claim.claim_id}")

    def _run(
        self, claim: ClaimRecord, submission: ReviewSubmission, reviewed_at: datetime
    ) -> list[str]:
        assert claim.verdict is not None
        review = Review(
            label=submission.label,
            model_label=claim.verdict.label,
            reviewer=submission.reviewer,
            note=submission.note,
            evidence=submission.evidence,
            url=submission.url,
            reviewed_at=reviewed_at,
        )
        entry = VerdictReviewed(
            claim_id=claim.claim_id,
            article_id=claim.article_id,
            claim=claim.text,
            label=review.label,
            model_label=review.model_label,
            note=review.note,
            reviewer=review.reviewer,
            reviewed_at=reviewed_at,
            newsroom=claim.newsroom,
        )
        args = [
            review_fingerprint(submission),
            review.model_dump_json(exclude={"supersedes"}),
            entry.model_dump_json(exclude={"supersedes"}),
            review.model_dump(mode="json")["reviewed_at"],
            _micros(reviewed_at),
            self._maxlen,
            claim_key(claim.text),
            _ruling(claim, review).model_dump_json(),
            details_signature(claim.text),
        ]
        keys = [
            self._keys.claim(claim.claim_id),
            self._stream,
            rulings_key(self._prefix, claim.newsroom),
            ruling_details_key(self._prefix, claim.newsroom),
        ]
        try:
            reply: list[str] = self._script(keys=keys, args=args)
        except redis.RedisError as exc:
            raise StoreUnavailableError(f"could not record review: {exc}") from exc
        return reply


def _ruling(claim: ClaimRecord, review: Review) -> Ruling:
    return Ruling(
        claim_id=claim.claim_id,
        text=claim.text,
        label=review.label,
        reviewer=review.reviewer,
        reviewed_at=review.reviewed_at,
        note=review.note,
        url=review.url,
    )
