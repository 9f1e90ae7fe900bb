"""Webhook endpoints, pending retries and dead letters, kept in Redis.

Redis layout (under the key prefix; :class:`~shared.store.keys.Keys` builds the names):

* ``{prefix}:webhooks`` hash ``endpoint_id`` -> JSON :class:`Endpoint` (with its secret: the
  deliverer signs with it; the API shows it once, when the endpoint is made);
* ``{prefix}:webhooks:retry`` sorted set ``"{entry_id}|{endpoint_id}"`` scored by when the
  next attempt is due; ``{prefix}:webhooks:attempt`` hash, same member -> JSON
  :class:`Attempt` (the body, how many attempts, when the first was);
* ``{prefix}:webhooks:sent:{entry_id}`` set of the endpoints that took the entry (a day's
  TTL), so that an entry handed to another deliverer after a crash skips them;
* ``{prefix}:webhooks:dead`` list of JSON :class:`DeadLetter` (newest first, capped).

A due retry is taken with one script (``webhook_take_due.lua``) that moves its score a
lease ahead (:meth:`WebhookStore.take_due`): two deliverers never attempt one retry at
once, and a deliverer killed mid-attempt leaves it to come due again when the lease ends.
While the attempt lasts, its deliverer moves the lease on
(:meth:`WebhookStore.extend_leases`, ``webhook_extend_leases.lua``: only where the score is
still the lease it holds; a retry already rescheduled or done is left as it is).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Final

import redis
from pydantic import BaseModel, Field

from shared.store.client import store_errors
from shared.store.keys import Keys
from shared.store.lua import ARG, ARGS, KEY, Arg, Script, ScriptCall
from shared.webhook_signature import new_secret

DEAD_LETTERS_MAX: Final = 10_000
SENT_TTL_S: Final = 24 * 3600
_LUA = "shared.store.lua"


@dataclass(frozen=True, kw_only=True)
class TakeDueCall(ScriptCall):
    """``webhook_take_due.lua``: the retries due by ``now``, each leased to ``lease_end``."""

    SCRIPT: ClassVar[tuple[str, str]] = (_LUA, "webhook_take_due.lua")
    retries: Annotated[str, KEY]
    now: Annotated[float, ARG]
    lease_end: Annotated[float, ARG]
    limit: Annotated[int, ARG]


@dataclass(frozen=True, kw_only=True)
class ExtendLeasesCall(ScriptCall):
    """``webhook_extend_leases.lua``: leases still held moved on to ``until``; ``leases``
    is pairs of a member and the lease end held on it."""

    SCRIPT: ClassVar[tuple[str, str]] = (_LUA, "webhook_extend_leases.lua")
    retries: Annotated[str, KEY]
    until: Annotated[float, ARG]
    leases: Annotated[Sequence[Arg], ARGS]


class Endpoint(BaseModel):
    """A newsroom's webhook endpoint. ``events`` None: every entry type."""

    endpoint_id: str
    newsroom: str
    url: str
    events: list[str] | None = None
    secret: str
    created_at: str
    disabled: bool = False
    disabled_reason: str | None = None

    def wants(self, event_type: str) -> bool:
        return not self.disabled and (self.events is None or event_type in self.events)


class Attempt(BaseModel):
    """A delivery still to be made: the signed body and how it went so far."""

    entry_id: str
    endpoint_id: str
    newsroom: str
    event_type: str
    body: str
    attempts: int = 0
    first_attempt_at: float = Field(default_factory=time.time)
    last_error: str | None = None


@dataclass(frozen=True)
class DeadLetter:
    """A delivery that never succeeded (or that its endpoint refused for good)."""

    endpoint_id: str
    newsroom: str
    url: str
    msg_id: str
    entry_id: str
    event_type: str
    attempts: int
    last_error: str
    failed_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())


def _member(entry_id: str, endpoint_id: str) -> str:
    return f"{entry_id}|{endpoint_id}"


class WebhookStore:
    """Endpoints, retries and dead letters (see the module docstring)."""

    def __init__(self, client: redis.Redis, key_prefix: str) -> None:
        self._redis = client
        self._keys = Keys(key_prefix)
        self._endpoints = self._keys.webhooks()
        self._retry = self._keys.webhook_retries()
        self._attempt = self._keys.webhook_attempts()
        self._dead = self._keys.webhook_dead_letters()
        self._take_due = Script(client, TakeDueCall)
        self._extend = Script(client, ExtendLeasesCall)

    def _call(self, what: str, fn: Callable[..., Any], *args: object) -> Any:
        with store_errors(what):
            return fn(*args)

    # ---- endpoints ----------------------------------------------------------------------

    def add(self, newsroom: str, url: str, events: list[str] | None) -> Endpoint:
        endpoint = Endpoint(
            endpoint_id="whk_" + secrets.token_hex(8),
            newsroom=newsroom,
            url=url,
            events=sorted(set(events)) if events else None,
            secret=new_secret(),
            created_at=datetime.now(UTC).isoformat(),
        )
        self._save(endpoint)
        return endpoint

    def _save(self, endpoint: Endpoint) -> None:
        self._call(
            "store the webhook", self._redis.hset, self._endpoints, endpoint.endpoint_id,
            endpoint.model_dump_json(),
        )  # fmt: skip

    def get(self, endpoint_id: str) -> Endpoint | None:
        raw = self._call("read the webhook", self._redis.hget, self._endpoints, endpoint_id)
        return Endpoint.model_validate_json(str(raw)) if raw else None

    def endpoints(self, newsroom: str | None = None) -> list[Endpoint]:
        raw = self._call("list the webhooks", self._redis.hvals, self._endpoints)
        endpoints = [Endpoint.model_validate_json(v) for v in raw]
        endpoints = [e for e in endpoints if newsroom is None or e.newsroom == newsroom]
        return sorted(endpoints, key=lambda e: (e.newsroom, e.created_at))

    def for_entry(self, newsroom: str, event_type: str) -> list[Endpoint]:
        """The newsroom's enabled endpoints that want ``event_type`` (never another's)."""
        return [
            e for e in self.endpoints(newsroom) if e.newsroom == newsroom and e.wants(event_type)
        ]

    def remove(self, endpoint_id: str) -> Endpoint | None:
        endpoint = self.get(endpoint_id)
        if endpoint is not None:
            self._call("remove the webhook", self._redis.hdel, self._endpoints, endpoint_id)
        return endpoint

    def disable(self, endpoint_id: str, reason: str) -> None:
        endpoint = self.get(endpoint_id)
        if endpoint is not None and not endpoint.disabled:
            self._save(endpoint.model_copy(update={"disabled": True, "disabled_reason": reason}))

    # ---- deliveries ---------------------------------------------------------------------

    def already_sent(self, entry_id: str) -> set[str]:
        raw = self._call("read deliveries", self._redis.smembers, self._keys.webhook_sent(entry_id))
        return {str(x) for x in raw}

    def mark_sent(self, entry_id: str, endpoint_id: str) -> None:
        sent = self._keys.webhook_sent(entry_id)
        pipe = self._redis.pipeline()
        pipe.sadd(sent, endpoint_id)
        pipe.expire(sent, SENT_TTL_S)
        pipe.zrem(self._retry, _member(entry_id, endpoint_id))
        pipe.hdel(self._attempt, _member(entry_id, endpoint_id))
        self._call("record the delivery", pipe.execute)

    def forget(self, entry_id: str, endpoint_id: str) -> None:
        """Drop a pending retry (its endpoint was removed): nothing is sent or recorded."""
        pipe = self._redis.pipeline()
        pipe.zrem(self._retry, _member(entry_id, endpoint_id))
        pipe.hdel(self._attempt, _member(entry_id, endpoint_id))
        self._call("drop the retry", pipe.execute)

    def schedule(self, attempt: Attempt, due_at: float) -> None:
        """Keep ``attempt`` for another try at ``due_at`` (Unix seconds)."""
        member = _member(attempt.entry_id, attempt.endpoint_id)
        pipe = self._redis.pipeline()
        pipe.hset(self._attempt, member, attempt.model_dump_json())
        pipe.zadd(self._retry, {member: due_at})
        self._call("schedule the retry", pipe.execute)

    def take_due(self, now: float, lease_s: float, limit: int) -> list[Attempt]:
        """Retries due by ``now``, each leased for ``lease_s`` to this caller."""
        call = TakeDueCall(retries=self._retry, now=now, lease_end=now + lease_s, limit=limit)
        members = self._call("take due retries", self._take_due, call)
        out = []
        for member in members:
            raw = self._call("read the retry", self._redis.hget, self._attempt, member)
            if raw:
                out.append(Attempt.model_validate_json(str(raw)))
            else:  # its record is gone: nothing left to send
                self._call("drop the retry", self._redis.zrem, self._retry, member)
        return out

    def extend_leases(
        self, leases: dict[tuple[str, str], float], until: float
    ) -> set[tuple[str, str]]:
        """Move the lease of each taken retry, ``(entry_id, endpoint_id)`` -> the lease end
        it holds, to ``until``; return those still held (and so extended)."""
        members = {_member(*key): key for key in leases}
        pairs: list[Arg] = []
        for member, key in members.items():
            pairs += [member, leases[key]]
        call = ExtendLeasesCall(retries=self._retry, until=until, leases=pairs)
        kept = self._call("extend retry leases", self._extend, call)
        return {members[str(m)] for m in kept}

    def pending_retries(self) -> int:
        return int(self._call("count retries", self._redis.zcard, self._retry))

    def dead_letter(self, letter: DeadLetter) -> None:
        member = _member(letter.entry_id, letter.endpoint_id)
        pipe = self._redis.pipeline()
        pipe.lpush(self._dead, json.dumps(asdict(letter)))
        pipe.ltrim(self._dead, 0, DEAD_LETTERS_MAX - 1)
        pipe.zrem(self._retry, member)
        pipe.hdel(self._attempt, member)
        self._call("dead-letter the delivery", pipe.execute)

    def dead_letters(self, newsroom: str | None = None, limit: int = 100) -> list[DeadLetter]:
        raw = self._call("read dead letters", self._redis.lrange, self._dead, 0, DEAD_LETTERS_MAX)
        letters = [DeadLetter(**json.loads(x)) for x in raw]
        return [d for d in letters if newsroom is None or d.newsroom == newsroom][:limit]
