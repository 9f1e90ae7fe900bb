-- Ends pending document changes whose citing claims were all re-queued.
-- KEYS: pending (the sorted set), changes (the hash of change ids)
-- ARGV: doc_changes... (doc_id, change id, doc_id, change id, ...)
-- A document whose change id is no longer the one given changed again meanwhile: it stays
-- pending for that newer change. Returns how many documents were ended.
local ended = 0
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[i + 1] then
    redis.call('HDEL', KEYS[2], ARGV[i])
    redis.call('ZREM', KEYS[1], ARGV[i])
    ended = ended + 1
  end
end
return ended
