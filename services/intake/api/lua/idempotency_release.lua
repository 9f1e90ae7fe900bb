-- Deletes an idempotency record, if it is still ours.
-- KEYS: record
-- ARGV: token
-- Returns the number of records deleted (0 or 1).
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current)['token'] == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
