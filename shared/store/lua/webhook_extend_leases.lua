-- Moves on the leases of taken webhook retries: a member whose score is still the lease end
-- its deliverer holds gets `until`; one rescheduled or done since is left as it is.
-- KEYS: retries
-- ARGV: until, leases... (pairs: a member, the lease end held on it)
-- Returns the members whose lease moved.
local kept = {}
for i = 2, #ARGV, 2 do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) == tonumber(ARGV[i + 1]) then
    redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i])
    kept[#kept + 1] = ARGV[i]
  end
end
return kept
