"""Editors' reviews of verdicts: stored on the claim record and announced on the stream.

One Lua script (``shared/newsroom/lua/review.lua``) does, atomically: refuse an unknown claim
or one without a verdict, leave everything as it is when the claim already has the same
review, else write the review to the claim's hash and ``XADD`` a ``verdict.reviewed`` entry. A
review that replaces an earlier one names it (``supersedes``: the earlier ``reviewed_at``),
both on the record and on the stream. A review is made of the claim's record as the caller
read it (the verdict's label, the claim's text); the script refuses it when the claim has
another verdict or text since, and the recorder reads the record again and retries.

Reviews of one claim are applied one after the other in the order the script runs them,
which is also their order on the stream; each one's ``reviewed_at`` is later than the one
it supersedes (a request whose clock reading is not later takes the stored time plus one
microsecond), so ``supersedes`` always points back in time.

The claim's hash gains five fields: ``review`` (the :class:`~shared.schemas.Review` as
JSON), ``review_fp`` (what makes two reviews the same), ``review_stream_id``,
``review_at`` (ISO 8601) and ``review_at_us`` (epoch microseconds).

The same script writes the review as the newsroom's ruling on the claim's text to the
rulings index (:mod:`shared.newsroom.rulings`), so a recorded review and its ruling never part.

A ruling also resolves the claim's open twins: the claims of the same newsroom with the same
identity (:func:`shared.newsroom.identity.claim_identity`: normalised text and typed
details, so "in 2017" is no twin of "in 2018") that wait in the review queue, as when an
article is submitted again. Each twin gets the ruling as its review (label, reviewer, note,
evidence, url and time), with ``resolved_by`` naming the ruled claim, leaves the queue, and
gets its own ``verdict.reviewed`` entry carrying ``resolved_by``
(``shared/newsroom/lua/resolve_twin.lua``, atomically per twin). A later ruling on the same
claim reaches the twins it resolved (the ruled claim's record lists them), but an editor's
own review of a twin is never replaced. Twins of other newsrooms are never read. Finding the
twins reads the newsroom's queue once per ruling. A twin checked after the ruling is decided
by the ruling in the worker instead (:mod:`workers.newsroom.ruling_matches`); one checked
before it but published after it waits in the queue until the ruling is posted again (the
same review again resolves its open twins). A ruled claim's hash gains a sixth field,
``twins``: the JSON list of the twins its rulings resolved.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ClassVar, Final

import redis

from shared.errors import ClaimcheckError, ClaimNotFoundError, StoreUnavailableError
from shared.newsroom.identity import ClaimIdentity, claim_identity, claim_key, details_signature
from shared.newsroom.rulings import Ruling
from shared.schemas import Review, ReviewSubmission, VerdictReviewed
from shared.store.claims import ClaimRecord, ClaimStore, StoreConfig
from shared.store.client import store_errors
from shared.store.keys import Keys
from shared.store.lua import ARG, KEY, Script, ScriptCall
from shared.store.publisher import PublisherConfig

log = logging.getLogger(__name__)

_LUA = "shared.newsroom.lua"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_MAX_TRIES = 100
"""Retries when another review of the claim was recorded with a later clock reading. Each
lost try means another review was recorded, so a review gives up only when more than this
many others of the same claim got in at the same moment (16 at once did 6 tries)."""
TWINS_FIELD = "twins"
"""The field of a ruled claim's record listing the twins its ruling resolved (JSON)."""
_SCAN_CHUNK = 500


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
    claim: ClaimRecord
    """The claim's record the review was made of: the one given, or the one read again when
    the claim had changed since (:meth:`ReviewRecorder.record`)."""
    resolved: tuple[str, ...] = field(default=())
    """The twins this ruling resolved now (see the module's docstring)."""


def review_fingerprint(submission: ReviewSubmission) -> str:
    """What makes two reviews the same: every field given, whatever the JSON's layout."""
    payload = submission.model_dump(mode="json", exclude_none=True)
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


@dataclass(frozen=True, kw_only=True)
class ReviewCall(ScriptCall):
    """``review.lua``: an editor's review of a claim, and the newsroom's ruling on its text."""

    SCRIPT: ClassVar[tuple[str, str]] = (_LUA, "review.lua")
    claim: Annotated[str, KEY]
    stream: Annotated[str, KEY]
    rulings: Annotated[str, KEY]
    rulings_by_details: Annotated[str, KEY]
    fingerprint: Annotated[str, ARG]
    review_json: Annotated[str, ARG]
    entry_json: Annotated[str, ARG]
    reviewed_at: Annotated[str, ARG]
    reviewed_at_us: Annotated[int, ARG]
    maxlen: Annotated[int, ARG]
    ruling_field: Annotated[str, ARG]
    ruling_json: Annotated[str, ARG]
    details_signature: Annotated[str, ARG]
    stream_id: Annotated[str, ARG]
    """The claim's verdict stream id as read: another verdict since is a changed claim."""
    revision: Annotated[int, ARG]
    """The claim's revision as read: an edited text since is a changed claim."""


@dataclass(frozen=True, kw_only=True)
class ResolveTwinCall(ScriptCall):
    """``resolve_twin.lua``: a ruling on one claim becomes the review of a twin of it."""

    SCRIPT: ClassVar[tuple[str, str]] = (_LUA, "resolve_twin.lua")
    twin: Annotated[str, KEY]
    stream: Annotated[str, KEY]
    review_queue: Annotated[str, KEY]
    ruled: Annotated[str, KEY]
    twin_stream_id: Annotated[str, ARG]
    """The twin's verdict stream id as read: a re-check since closes the twin."""
    ruled_id: Annotated[str, ARG]
    review_json: Annotated[str, ARG]
    entry_json: Annotated[str, ARG]
    fingerprint: Annotated[str, ARG]
    reviewed_at: Annotated[str, ARG]
    reviewed_at_us: Annotated[int, ARG]
    maxlen: Annotated[int, ARG]
    twin_id: Annotated[str, ARG]


class ReviewRecorder:
    """Records reviews (see the module's docstring); uses the publisher's stream settings."""

    def __init__(self, client: redis.Redis, config: PublisherConfig) -> None:
        self._keys = Keys(config.key_prefix)
        self._stream = config.verdict_stream
        self._maxlen = config.stream_maxlen
        self._redis = client
        self._store = ClaimStore(client, StoreConfig(config.key_prefix, config.record_ttl_s))
        self._script = Script(client, ReviewCall)
        self._resolve = Script(client, ResolveTwinCall)

    def record(
        self, claim: ClaimRecord, submission: ReviewSubmission, *, now: datetime | None = None
    ) -> RecordedReview:
        """Record ``submission`` as the review of ``claim`` (a record read from the store).

        The review is made of that record: the verdict's label it rules on, the text its
        ruling is kept under. The record is read again only where it may be out of date:
        when it has no verdict (one may have arrived since), and when the review script
        finds that the claim changed since it was read (another verdict, an edited text).

        Raises :class:`NotCheckedError` when the claim has no verdict and
        :class:`~shared.errors.ClaimNotFoundError` when its record is gone. The review,
        recorded now or already the claim's, then resolves the claim's open twins
        (:meth:`resolve_twins`).
        """
        if claim.verdict is None:
            claim = self._read_again(claim)
        reviewed_at = now or datetime.now(UTC)
        for _ in range(_MAX_TRIES):
            if claim.verdict is None:
                raise NotCheckedError(f"claim {claim.claim_id} has no verdict yet")
            reply = self._run(claim, submission, reviewed_at)
            code = int(reply[0])
            if code == -4:  # the claim changed since it was read
                claim = self._read_again(claim)
                continue
            if code == -3:  # another review got in with a later clock reading
                later = _EPOCH + (int(reply[1]) + 1) * _MICROSECOND
                reviewed_at = max(datetime.now(UTC), later)
                continue
            if code == -1:
                raise ClaimNotFoundError(f"claim {claim.claim_id} is not in the store")
            if code == -2:
                raise NotCheckedError(f"claim {claim.claim_id} has no verdict yet")
            review = Review.model_validate_json(reply[1])
            fingerprint = review_fingerprint(submission)
            return RecordedReview(
                recorded=code == 1,
                stream_id=str(reply[2]),
                review=review,
                claim=claim,
                resolved=self.resolve_twins(claim, review, fingerprint),
            )
        raise StoreUnavailableError(f"could not order the review of claim {claim.claim_id}")

    def _read_again(self, claim: ClaimRecord) -> ClaimRecord:
        """The claim's record as it is now; as it was when it is gone (the review script
        then answers that it is unknown)."""
        with store_errors(f"read claim {claim.claim_id}"):
            return self._store.get_claim(claim.claim_id) or claim

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
        call = ReviewCall(
            claim=self._keys.claim(claim.claim_id),
            stream=self._stream,
            rulings=self._keys.rulings(claim.newsroom),
            rulings_by_details=self._keys.rulings_by_details(claim.newsroom),
            fingerprint=review_fingerprint(submission),
            review_json=review.model_dump_json(exclude=_ADDED),
            entry_json=_entry(claim, review).model_dump_json(exclude=_ADDED),
            reviewed_at=review.model_dump(mode="json")["reviewed_at"],
            reviewed_at_us=_micros(reviewed_at),
            maxlen=self._maxlen,
            ruling_field=claim_key(claim.text),
            ruling_json=Ruling.from_review(claim, review).model_dump_json(),
            details_signature=details_signature(claim.text),
            stream_id=claim.stream_id or "",
            revision=claim.revision,
        )
        with store_errors("record review"):
            reply: list[str] = self._script(call)
        return reply

    # --- twins ----------------------------------------------------------------------

    def resolve_twins(
        self, claim: ClaimRecord, review: Review, fingerprint: str
    ) -> tuple[str, ...]:
        """Apply ``review``, the editor's own review of ``claim`` as stored, to the claim's
        open twins (see the module's docstring); the ids of the twins it resolved now. The
        review stands if this fails: a failure is logged, and the same review posted again
        resolves the twins left open."""
        resolved: list[str] = []
        try:
            for twin in self._twins(claim):
                if self._apply(twin, claim, review, fingerprint):
                    resolved.append(twin.claim_id)
        except (redis.RedisError, StoreUnavailableError) as exc:
            log.warning(
                "review of %s recorded; its twins were not resolved: %s", claim.claim_id, exc
            )
        if resolved:
            log.info("review of %s resolved %d twin(s)", claim.claim_id, len(resolved))
        return tuple(resolved)

    def _candidates(self, claim: ClaimRecord) -> Iterator[str]:
        """The claims that could be open twins: the newsroom's review queue, and the twins
        an earlier ruling on this claim resolved."""
        queue = self._keys.review_queue(claim.newsroom)
        for member, _score in self._redis.zscan_iter(queue, count=_SCAN_CHUNK):
            yield str(member)
        listed: str | None = self._redis.hget(self._keys.claim(claim.claim_id), TWINS_FIELD)
        yield from json.loads(listed) if listed else []

    def _twins(self, claim: ClaimRecord) -> Iterator[ClaimRecord]:
        """``claim``'s twins with a verdict and no review other than one it resolved."""
        identity = claim_identity(claim.text)
        seen = {claim.claim_id}
        chunk: list[str] = []
        for candidate in self._candidates(claim):
            if candidate not in seen:
                seen.add(candidate)
                chunk.append(candidate)
            if len(chunk) >= _SCAN_CHUNK:
                yield from self._same_claims(chunk, claim, identity)
                chunk = []
        yield from self._same_claims(chunk, claim, identity)

    def _same_claims(
        self, claim_ids: list[str], claim: ClaimRecord, identity: ClaimIdentity
    ) -> Iterator[ClaimRecord]:
        with self._redis.pipeline(transaction=False) as pipe:
            for claim_id in claim_ids:
                pipe.hmget(self._keys.claim(claim_id), "text", "newsroom")
            rows: list[list[str | None]] = pipe.execute()
        same = [
            claim_id
            for claim_id, (text, newsroom) in zip(claim_ids, rows, strict=True)
            if text is not None and newsroom == claim.newsroom and identity.matches(text)
        ]
        for twin in self._store.get_claims(same) if same else []:
            open_to_it = twin.review is None or twin.review.resolved_by == claim.claim_id
            if twin.verdict is not None and open_to_it:
                yield twin

    def _apply(
        self, twin: ClaimRecord, ruled: ClaimRecord, review: Review, fingerprint: str
    ) -> bool:
        """Give ``twin`` the ruling ``review`` on ``ruled`` (atomically: False when the twin
        was reviewed or re-checked meanwhile)."""
        assert twin.verdict is not None
        applied = review.model_copy(
            update={
                "model_label": twin.verdict.label,
                "supersedes": None,
                "resolved_by": ruled.claim_id,
            }
        )
        call = ResolveTwinCall(
            twin=self._keys.claim(twin.claim_id),
            stream=self._stream,
            review_queue=self._keys.review_queue(twin.newsroom),
            ruled=self._keys.claim(ruled.claim_id),
            twin_stream_id=twin.stream_id or "",
            ruled_id=ruled.claim_id,
            review_json=applied.model_dump_json(exclude={"supersedes"}),
            entry_json=_entry(twin, applied).model_dump_json(exclude={"supersedes"}),
            # the editor posting the same ruling on the twin itself records it
            fingerprint=f"{fingerprint}:{ruled.claim_id}",
            reviewed_at=applied.model_dump(mode="json")["reviewed_at"],
            reviewed_at_us=_micros(applied.reviewed_at),
            maxlen=self._maxlen,
            twin_id=twin.claim_id,
        )
        reply: list[Any] = self._resolve(call)
        return int(reply[0]) == 1


_ADDED: Final[set[str]] = {"supersedes", "resolved_by"}
"""Left out of an editor's own review and its entry: ``supersedes`` (the review script adds
it) and ``resolved_by`` (only a twin's review has one)."""


def _entry(claim: ClaimRecord, review: Review) -> VerdictReviewed:
    """The ``verdict.reviewed`` entry of ``review`` on ``claim``."""
    return VerdictReviewed(
        claim_id=claim.claim_id,
        article_id=claim.article_id,
        claim=claim.text,
        label=review.label,
        model_label=review.model_label,
        note=review.note,
        reviewer=review.reviewer,
        reviewed_at=review.reviewed_at,
        newsroom=claim.newsroom,
        resolved_by=review.resolved_by,
    )
