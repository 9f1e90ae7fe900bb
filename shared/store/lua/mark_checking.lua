-- Moves a claim to "checking" unless a verdict was already published for its revision.
-- KEYS: claim
-- ARGV: none
-- Returns -1 for an unknown claim, 0 when it is already done or failed (and no re-check
-- raised its revision past the published verdict's), else 1.
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'done' or status == 'failed' then
  local revision = tonumber(redis.call('HGET', KEYS[1], 'revision') or '0')
  local published = tonumber(redis.call('HGET', KEYS[1], 'verdict_revision') or '0')
  if revision <= published then return 0 end
end
redis.call('HSET', KEYS[1], 'status', 'checking')
return 1
