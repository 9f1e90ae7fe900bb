"""Verdicts follow their evidence: re-queue the claims whose verdicts cited a changed document.

When a verdict is published, each stored document its evidence came from (evidence with a
``doc_hash``: the knowledge base, or an editor's ruling) indexes the claim
(``<prefix>:cites:<doc_id>``, written by ``shared/store/lua/publish.lua``).

A change of a document is a *pending re-check* until every claim citing it was re-queued:

1. Where it happens it gets an id of its own (:func:`new_change_id`; a document changed
   X → Y → X → Y has three). The knowledge base records its changes in the import's own
   SQLite transaction (``kb_changes``), so a change the import committed is never lost;
   ``claimcheck kb`` moves them into Redis (:meth:`Rechecker.add`) and forgets them there
   only once Redis holds them.
2. Redis keeps the documents with a pending change in a sorted set (oldest first) and
   each one's latest change id in a hash: a document changed twice before its re-check is
   re-checked once, against its latest text.
3. :meth:`Rechecker.drain` takes the pending documents oldest first, gathers the claims
   citing them and re-queues each claim once (``shared/newsroom/lua/recheck.lua``): one job and one
   new ``revision`` per claim however many of its documents changed, the limit counting
   claims. A document leaves the pending set (``recheck_done.lua``) only once the jobs of
   all its citing claims were sent; the rest, over the limit or cut off by a failure, stay
   pending for the next drain: the next ``kb import``, ``claimcheck kb recheck``, or the
   intake's periodic sweep (while the queue is empty).

A marker per (claim, document, change id) makes a drain that runs again, or two that run
at once, re-queue a claim once per change; the publisher accepts one verdict per (claim,
revision), so a re-check delivered twice publishes once. The worker checks the claim again
and publishes ``verdict.updated`` with the new revision and the ``previous_label``.
Opt-in: ``CLAIMCHECK_RECHECK_ON_CHANGE``; at most ``CLAIMCHECK_RECHECK_MAX_PER_IMPORT``
claims per drain.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Final

import redis

from shared.store.client import store_errors
from shared.store.keys import Keys
from shared.store.lua import ARG, ARGS, KEY, KEYS, Script, ScriptCall

MARKER_TTL_S: Final = 30 * 24 * 3600
"""How long a (claim, document, change) marker is kept: a change still pending after this
long may re-queue a claim that its first drain had already re-queued."""
_CHUNK: Final = 500
"""Pending documents read (and citing sets fetched) at a time."""

Enqueue = Callable[[Sequence[str]], None]
"""Sends one job per claim id (``Enqueuer.enqueue``)."""


@dataclass(frozen=True, kw_only=True)
class RecheckCall(ScriptCall):
    """``recheck.lua``: re-queue a claim once for these changes of its documents."""

    SCRIPT: ClassVar[tuple[str, str]] = ("shared.newsroom.lua", "recheck.lua")
    claim: Annotated[str, KEY]
    markers: Annotated[Sequence[str], KEYS]
    """One per change (:meth:`shared.store.keys.Keys.recheck`)."""
    marker_ttl: Annotated[int, ARG]


@dataclass(frozen=True, kw_only=True)
class AddPendingCall(ScriptCall):
    """``recheck_pending.lua``: record changed documents as pending."""

    SCRIPT: ClassVar[tuple[str, str]] = ("shared.newsroom.lua", "recheck_pending.lua")
    pending: Annotated[str, KEY]
    changes: Annotated[str, KEY]
    order: Annotated[str, KEY]
    doc_changes: Annotated[Sequence[str], ARGS]
    """doc_id, change id, doc_id, change id, ..."""


@dataclass(frozen=True, kw_only=True)
class EndPendingCall(ScriptCall):
    """``recheck_done.lua``: end pending documents whose citing claims were all sent."""

    SCRIPT: ClassVar[tuple[str, str]] = ("shared.newsroom.lua", "recheck_done.lua")
    pending: Annotated[str, KEY]
    changes: Annotated[str, KEY]
    doc_changes: Annotated[Sequence[str], ARGS]
    """doc_id, change id, doc_id, change id, ..."""


def new_change_id() -> str:
    """The id of one change of a document: unique to it."""
    return uuid.uuid4().hex


@dataclass
class RecheckReport:
    """What one drain of the pending re-checks did."""

    documents: int = 0
    """Changed or removed documents looked at."""
    requeued: list[str] = field(default_factory=list)
    """Claims queued again (each once)."""
    already: int = 0
    """Citing claims these changes had already re-queued (or without a verdict yet)."""
    over_limit: int = 0
    """Citing claims not queued because the limit was reached: their documents stay pending."""
    pending: int = 0
    """Documents whose re-checks are still pending after this drain."""

    def __str__(self) -> str:
        rest = ""
        if self.pending:
            rest = (
                f"; {self.pending} documents still pending, {self.over_limit} claims over the "
                "limit: the next import, 'claimcheck kb recheck' or the intake's sweep "
                "re-checks them"
            )
        return (
            f"re-check: {len(self.requeued)} claims queued again for {self.documents} changed "
            f"or removed documents ({self.already} already queued for these changes){rest}"
        )


@dataclass
class _Citing:
    """A claim citing documents of one chunk: the markers of their changes."""

    markers: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)


class Rechecker:
    """The pending re-checks of one key prefix (see the module docstring)."""

    def __init__(self, client: redis.Redis, key_prefix: str) -> None:
        self._client = client
        self._keys = Keys(key_prefix)
        self._requeue = Script(client, RecheckCall)
        self._add = Script(client, AddPendingCall)
        self._end = Script(client, EndPendingCall)

    def add(self, changes: Mapping[str, str]) -> None:
        """Record ``changes`` (doc id -> change id) as pending, in their order."""
        items = list(changes.items())
        with store_errors("record the changes to re-check"):
            for start in range(0, len(items), _CHUNK):
                args = [value for pair in items[start : start + _CHUNK] for value in pair]
                call = AddPendingCall(
                    pending=self._keys.recheck_pending(),
                    changes=self._keys.recheck_changes(),
                    order=self._keys.recheck_order(),
                    doc_changes=args,
                )
                self._add(call)

    def recheck(self, changes: Mapping[str, str], enqueue: Enqueue, *, limit: int) -> RecheckReport:
        """Record ``changes`` (doc id -> change id, unique to each change) as pending and
        re-queue the claims citing those documents, at most ``limit``; the rest stay pending
        for a later drain."""
        self.add(changes)
        return self.drain(enqueue, limit=limit, only=list(changes))

    def pending(self) -> int:
        """How many documents have a pending re-check."""
        with store_errors("count pending re-checks"):
            return int(self._client.zcard(self._keys.recheck_pending()))

    def drain(
        self, enqueue: Enqueue, *, limit: int, only: Sequence[str] | None = None
    ) -> RecheckReport:
        """Re-queue the claims citing pending documents (oldest first; ``only``: just these
        documents), at most ``limit`` claims; end each document whose claims were all sent."""
        report = RecheckReport()
        sent: set[str] = set()
        with store_errors("re-queue citing claims"):
            for chunk in self._chunks(only):
                self._drain_chunk(chunk, enqueue, limit, report, sent)
                if report.over_limit:
                    break
            report.pending = int(self._client.zcard(self._keys.recheck_pending()))
        return report

    def _chunks(self, only: Sequence[str] | None) -> Iterator[list[tuple[str, str]]]:
        """Pending documents with their change ids, a chunk at a time, oldest first."""
        if only is not None:
            for start in range(0, len(only), _CHUNK):
                yield self._with_changes(list(only[start : start + _CHUNK]))
            return
        low: str = "-inf"
        while rows := self._client.zrangebyscore(
            self._keys.recheck_pending(), low, "+inf", start=0, num=_CHUNK, withscores=True
        ):
            low = f"({rows[-1][1]!r}"
            yield self._with_changes([str(doc_id) for doc_id, _ in rows])

    def _with_changes(self, doc_ids: list[str]) -> list[tuple[str, str]]:
        changes = self._client.hmget(self._keys.recheck_changes(), doc_ids) if doc_ids else []
        return [(d, str(c)) for d, c in zip(doc_ids, changes, strict=True) if c is not None]

    def _drain_chunk(
        self,
        chunk: list[tuple[str, str]],
        enqueue: Enqueue,
        limit: int,
        report: RecheckReport,
        sent: set[str],
    ) -> None:
        report.documents += len(chunk)
        left: set[str] = set()
        fresh: list[str] = []
        marks: list[str] = []
        for claim_id, citing in self._citing(chunk).items():
            if claim_id in sent:  # re-queued by an earlier chunk of this drain
                marks += citing.markers
            elif len(sent) >= limit:
                report.over_limit += 1
                left.update(citing.documents)
            elif self._requeued(claim_id, citing.markers):
                sent.add(claim_id)
                fresh.append(claim_id)
            else:
                report.already += 1
        if fresh:
            enqueue(fresh)
            report.requeued += fresh
        self._mark(marks)
        ended = [value for doc, change in chunk if doc not in left for value in (doc, change)]
        if ended:
            call = EndPendingCall(
                pending=self._keys.recheck_pending(),
                changes=self._keys.recheck_changes(),
                doc_changes=ended,
            )
            self._end(call)

    def _requeued(self, claim_id: str, markers: list[str]) -> bool:
        """Whether ``recheck.lua`` raised the claim's revision for these changes."""
        call = RecheckCall(
            claim=self._keys.claim(claim_id), markers=markers, marker_ttl=MARKER_TTL_S
        )
        return int(self._requeue(call)) > 0

    def _citing(self, chunk: list[tuple[str, str]]) -> dict[str, _Citing]:
        """The claims citing the chunk's documents, in the documents' order."""
        with self._client.pipeline(transaction=False) as pipe:
            for doc_id, _ in chunk:
                pipe.smembers(self._keys.cites(doc_id))
            members: list[set[Any]] = pipe.execute()
        out: dict[str, _Citing] = {}
        for (doc_id, change), claims in zip(chunk, members, strict=True):
            for claim_id in sorted(str(c) for c in claims):
                citing = out.setdefault(claim_id, _Citing())
                citing.markers.append(self._keys.recheck(claim_id, doc_id, change))
                citing.documents.append(doc_id)
        return out

    def _mark(self, markers: list[str]) -> None:
        """Set the markers of changes whose claim this drain already re-queued."""
        if not markers:
            return
        with self._client.pipeline(transaction=False) as pipe:
            for marker in markers:
                pipe.set(marker, "1", nx=True, ex=MARKER_TTL_S)
            pipe.execute()
