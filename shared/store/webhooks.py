"""Webhook endpoints, pending retries and dead letters, kept in Redis.

Redis layout (under the key prefix):

* ``{prefix}:webhooks`` hash ``endpoint_id`` -> JSON :class:`Endpoint` (with its secret: the
  deliverer signs with it; the API shows it once, when the endpoint is made);
* ``{prefix}:webhooks:retry`` sorted set ``"{entry_id}|{endpoint_id}"`` scored by when the
  next attempt is due; ``{prefix}:webhooks:attempt`` hash, same member -> JSON
  :class:`Attempt` (the body, how many attempts, when the first was);
* ``{prefix}:webhooks:sent:{entry_id}`` set of the endpoints that took the entry (a day's
  TTL), so that an entry handed to another deliverer after a crash skips them;
* ``{prefix}:webhooks:dead`` list of JSON :class:`DeadLetter` (newest first, capped).

A due retry is taken with one script that moves its score a lease ahead
(:meth:`WebhookStore.take_due`): two deliverers never attempt one retry at once, and a
deliverer killed mid-attempt leaves it to come due again when the lease ends. While the
attempt lasts, its deliverer moves the lease on (:meth:`WebhookStore.extend_leases`, only
where the score is still the lease it holds: a retry already rescheduled or done is left
as it is).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import redis
from pydantic import BaseModel, Field

from shared.errors import StoreUnavailableError
from shared.webhook_signature import new_secret

DEAD_LETTERS_MAX: Final = 10_000
SENT_TTL_S: Final = 24 * 3600
_TAKE_DUE: Final = """
local taken = {}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, member in ipairs(due) do
  redis.call('ZADD', KEYS[1], ARGV[2], member)
  taken[#taken + 1] = member
end
return taken
"""
_EXTEND: Final = """
local kept = {}
for i = 2, #ARGV, 2 do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) == tonumber(ARGV[i + 1]) then
    redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i])
    kept[#kept + 1] = ARGV[i]
  end
end
return kept
"""


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
        self._endpoints = f"{key_prefix}:webhooks"
        self._retry = f"{key_prefix}:webhooks:retry"
        self._attempt = f"{key_prefix}:webhooks:attempt"
        self._dead = f"{key_prefix}:webhooks:dead"
        self._sent = f"{key_prefix}:webhooks:sent:"
        self._take_due = client.register_script(_TAKE_DUE)
        self._extend = client.register_script(_EXTEND)

    def _call(self, what: str, fn: Callable[..., Any], *args: object) -> Any:
        try:
            return fn(*args)
        except redis.RedisError as exc:
            raise StoreUnavailableError(f"could not {what}: {exc}") from exc

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
        raw = self._call("read deliveries", self._redis.smembers, self._sent + entry_id)
        return {str(x) for x in raw}

    def mark_sent(self, entry_id: str, endpoint_id: str) -> None:
        pipe = self._redis.pipeline()
        pipe.sadd(self._sent + entry_id, endpoint_id)
        pipe.expire(self._sent + entry_id, SENT_TTL_S)
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
        members = self._call(
            "take due retries", self._take_due, [self._retry], [now, now + lease_s, limit]
        )
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
        args: list[object] = [until]
        for member, key in members.items():
            args += [member, leases[key]]
        kept = self._call("extend retry leases", self._extend, [self._retry], args)
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
