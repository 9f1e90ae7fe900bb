-- Publishes one verdict unless its claim already has one (runs after complete_if_done.lua).
-- KEYS: claim, stream, article, article_done, article_counts, review_queue
-- ARGV: claim_id, verdict_json, status, label, maxlen, article_id, completed_at, ttl,
--       review_score (the claim's place in its newsroom's review queue; '' when the
--       verdict needs no review)
-- Returns {1, stream id, completion id or false}; {0, existing stream id, false} when the
-- claim already had a verdict; {-1, false, false} for an unknown claim.
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, false, false} end
local existing = redis.call('HGET', KEYS[1], 'stream_id')
if existing then return {0, existing, false} end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*',
                      'type', 'verdict', 'data', ARGV[2])
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'verdict', ARGV[2], 'stream_id', id)
if ARGV[9] ~= '' then
  redis.call('ZADD', KEYS[6], tonumber(ARGV[9]), ARGV[1])
  redis.call('EXPIRE', KEYS[6], tonumber(ARGV[8]))
end
local completed = false
if ARGV[6] ~= '' then
  redis.call('SADD', KEYS[4], ARGV[1])
  redis.call('HINCRBY', KEYS[5], ARGV[4], 1)
  redis.call('EXPIRE', KEYS[4], tonumber(ARGV[8]))
  redis.call('EXPIRE', KEYS[5], tonumber(ARGV[8]))
  completed = complete_if_done(KEYS[3], KEYS[4], KEYS[5], KEYS[2], ARGV[6], ARGV[5], ARGV[7])
end
return {1, id, completed}
