-- Replaces an idempotency record with the answer, if the record is still ours.
-- KEYS: record
-- ARGV: token, value (the new one), ttl
-- Returns 1 when written, 0 when not ours.
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current)['token'] ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
return 1
