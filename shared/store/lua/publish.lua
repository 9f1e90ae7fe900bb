-- Publishes one verdict unless its claim already has one for this revision (runs after
-- complete_if_done.lua).
-- KEYS: claim, stream, article, article_done, article_counts, review_queue,
--       cites... (one `cites:<doc_id>` set per stored document the evidence came from)
-- ARGV: claim_id, verdict_json, status, label, maxlen, article_id, completed_at, ttl,
--       review_score (the claim's place in its newsroom's review queue; '' when the
--       verdict needs no review), revision (0: the first check; n: the n-th re-check)
-- A claim with a verdict gets another only for a higher revision: a `verdict.updated`
-- entry (the article's counts move from the old label to the new; it is not completed
-- again). Returns {1, stream id, completion id or false}; {0, existing stream id, false}
-- when the claim already had a verdict for this revision; {-1, false, false} for an
-- unknown claim.
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, false, false} end
local existing = redis.call('HGET', KEYS[1], 'stream_id')
local revision = tonumber(ARGV[10])
local published = tonumber(redis.call('HGET', KEYS[1], 'verdict_revision') or '0')
if existing and revision <= published then return {0, existing, false} end
local entry_type = 'verdict'
local previous = false
if existing then
  entry_type = 'verdict.updated'
  local old = redis.call('HGET', KEYS[1], 'verdict')
  if old then previous = cjson.decode(old)['label'] end
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*',
                      'type', entry_type, 'data', ARGV[2])
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'verdict', ARGV[2], 'stream_id', id,
           'verdict_revision', revision)
if ARGV[9] ~= '' then
  redis.call('ZADD', KEYS[6], tonumber(ARGV[9]), ARGV[1])
  redis.call('EXPIRE', KEYS[6], tonumber(ARGV[8]))
end
for i = 7, #KEYS do
  redis.call('SADD', KEYS[i], ARGV[1])
  redis.call('EXPIRE', KEYS[i], tonumber(ARGV[8]))
end
local completed = false
if ARGV[6] ~= '' then
  if existing then
    if previous then redis.call('HINCRBY', KEYS[5], previous, -1) end
    redis.call('HINCRBY', KEYS[5], ARGV[4], 1)
  else
    redis.call('SADD', KEYS[4], ARGV[1])
    redis.call('HINCRBY', KEYS[5], ARGV[4], 1)
    redis.call('EXPIRE', KEYS[4], tonumber(ARGV[8]))
    redis.call('EXPIRE', KEYS[5], tonumber(ARGV[8]))
    completed = complete_if_done(KEYS[3], KEYS[4], KEYS[5], KEYS[2], ARGV[6], ARGV[5], ARGV[7])
  end
end
return {1, id, completed}
