-- Moves a claim to "checking" unless a verdict was already published for it.
-- KEYS: claim. Returns -1 for an unknown claim, 0 when it is already done or failed, else 1.
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'done' or status == 'failed' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'checking')
return 1
