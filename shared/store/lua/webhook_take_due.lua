-- Takes the webhook retries due by `now`, each leased to the caller: its score moves to
-- `lease_end`, so that no other deliverer takes it before then (a deliverer killed
-- mid-attempt leaves it to come due again when the lease ends).
-- KEYS: retries
-- ARGV: now, lease_end, limit (how many at most)
-- Returns the members taken ("{entry_id}|{endpoint_id}"), the soonest due first.
local taken = {}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, member in ipairs(due) do
  redis.call('ZADD', KEYS[1], ARGV[2], member)
  taken[#taken + 1] = member
end
return taken
