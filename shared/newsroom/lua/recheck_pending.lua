-- Records document changes whose citing claims are to be re-checked (shared/newsroom/rechecks.py).
-- KEYS: pending (the sorted set), changes (the hash of change ids), order (the counter)
-- ARGV: doc_changes... (doc_id, change id, doc_id, change id, ...)
-- A document already pending keeps its place (oldest first) and takes the newer change id:
-- one re-check reads its latest text, whatever changed in between. Returns how many
-- documents were not pending before.
local added = 0
for i = 1, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  if not redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[3]), ARGV[i])
    added = added + 1
  end
end
return added
