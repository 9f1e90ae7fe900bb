-- Counts an amount against a fixed-window limit unless that would pass it; a refused
-- amount is taken back, so it uses up nothing.
-- KEYS: counter
-- ARGV: amount, limit, expiry_ms
-- Returns {allowed 0/1, count}.
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if n == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
if n > tonumber(ARGV[2]) then
  redis.call('DECRBY', KEYS[1], ARGV[1])
  return {0, n - tonumber(ARGV[1])}
end
return {1, n}
