"""Exactly-once publication of verdicts to the Redis stream.

One Lua script does, atomically: refuse if the claim already has a verdict, ``XADD`` the
verdict, write it to the claim's record, count it for its article and, when it is the
article's last claim, ``XADD`` one ``article.completed`` entry. A task delivered twice, or
two workers racing on one claim, therefore publish one verdict and one completion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import redis

from shared.errors import ClaimNotFoundError, StoreUnavailableError
from shared.keys import Keys
from shared.schemas import Verdict
from shared.settings import Settings

# KEYS: article, article_done, article_counts, stream
# ARGV: article_id, maxlen, completed_at
# Emits article.completed once, when every claim of the article has a verdict.
_COMPLETE_IF_DONE = """
local function complete_if_done(article_key, done_key, counts_key, stream_key,
                                article_id, maxlen, completed_at)
  if redis.call('EXISTS', article_key) == 0 then return false end
  local total = tonumber(redis.call('HGET', article_key, 'claim_count') or '0')
  if redis.call('SCARD', done_key) < total then return false end
  if redis.call('HSETNX', article_key, 'completed_stream_id', 'pending') == 0 then
    return false
  end
  local counts = {supported=0, refuted=0, not_enough_info=0, conflicting=0}
  local flat = redis.call('HGETALL', counts_key)
  for i = 1, #flat, 2 do counts[flat[i]] = tonumber(flat[i + 1]) end
  local newsroom = redis.call('HGET', article_key, 'newsroom')
  if not newsroom then newsroom = nil end
  local data = cjson.encode({article_id=article_id, claim_count=total, counts=counts,
                             completed_at=completed_at, newsroom=newsroom})
  local id = redis.call('XADD', stream_key, 'MAXLEN', '~', maxlen, '*',
                        'type', 'article.completed', 'data', data)
  redis.call('HSET', article_key, 'completed_stream_id', id)
  return id
end
"""

# KEYS: claim, stream, article, article_done, article_counts
# ARGV: claim_id, verdict_json, status, label, maxlen, article_id, completed_at, ttl
_PUBLISH = (
    _COMPLETE_IF_DONE
    + """
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, false, false} end
local existing = redis.call('HGET', KEYS[1], 'stream_id')
if existing then return {0, existing, false} end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*',
                      'type', 'verdict', 'data', ARGV[2])
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'verdict', ARGV[2], 'stream_id', id)
local completed = false
if ARGV[6] ~= '' then
  redis.call('SADD', KEYS[4], ARGV[1])
  redis.call('HINCRBY', KEYS[5], ARGV[4], 1)
  redis.call('EXPIRE', KEYS[4], tonumber(ARGV[8]))
  redis.call('EXPIRE', KEYS[5], tonumber(ARGV[8]))
  completed = complete_if_done(KEYS[3], KEYS[4], KEYS[5], KEYS[2], ARGV[6], ARGV[5], ARGV[7])
end
return {1, id, completed}
"""
)

_COMPLETE = (
    _COMPLETE_IF_DONE
    + """
return complete_if_done(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2], ARGV[3])
"""
)


@dataclass(frozen=True)
class PublishResult:
    published: bool
    """False when the claim already had a verdict: nothing was written."""
    stream_id: str
    """The stream id of this claim's (first and only) verdict entry."""
    completed_stream_id: str | None = None
    """Set when this verdict completed its article."""


class VerdictPublisher:
    """Publishes verdicts and ``article.completed`` entries, each exactly once."""

    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self._keys = Keys(settings.key_prefix)
        self._stream = settings.verdict_stream
        self._maxlen = settings.stream_maxlen
        self._ttl = settings.record_ttl_s
        self._publish = client.register_script(_PUBLISH)
        self._complete = client.register_script(_COMPLETE)

    def publish(self, verdict: Verdict, *, failed: bool = False) -> PublishResult:
        """Publish ``verdict`` unless its claim already has one.

        ``failed`` marks a verdict that stands in for a check that could not run.
        """
        article_id = verdict.article_id or ""
        keys = [
            self._keys.claim(verdict.claim_id),
            self._stream,
            self._keys.article(article_id),
            self._keys.article_done(article_id),
            self._keys.article_counts(article_id),
        ]
        args = [
            verdict.claim_id,
            verdict.model_dump_json(),
            "failed" if failed else "done",
            verdict.label,
            self._maxlen,
            article_id,
            _now(),
            self._ttl,
        ]
        try:
            code, stream_id, completed = self._publish(keys=keys, args=args)
        except redis.RedisError as exc:
            raise StoreUnavailableError(f"could not publish verdict: {exc}") from exc
        if int(code) < 0:
            raise ClaimNotFoundError(f"claim {verdict.claim_id} is not in the store")
        return PublishResult(
            published=int(code) == 1,
            stream_id=str(stream_id),
            completed_stream_id=str(completed) if completed else None,
        )

    def complete_if_done(self, article_id: str) -> str | None:
        """Emit ``article.completed`` if every claim is decided (used for empty articles)."""
        keys = [
            self._keys.article(article_id),
            self._keys.article_done(article_id),
            self._keys.article_counts(article_id),
            self._stream,
        ]
        try:
            result = self._complete(keys=keys, args=[article_id, self._maxlen, _now()])
        except redis.RedisError as exc:
            raise StoreUnavailableError(f"could not complete article: {exc}") from exc
        return str(result) if result else None


def _now() -> str:
    return datetime.now(UTC).isoformat()
