-- Re-queues a claim for the changes of the documents its verdict cited, once per change:
-- one job and one new revision however many of its documents changed.
-- KEYS: claim, markers... (one per change: Keys.recheck)
-- ARGV: marker_ttl (seconds)
-- Returns -1 for an unknown claim, 0 when there is nothing to do (no verdict yet: its check
-- reads the new documents anyway; or every one of these changes already re-queued it),
-- else the claim's new revision. The delivery count starts again: the deliveries of the
-- checks before were no crashes (workers/processing.py counts deliveries no retry explains
-- as crashes).
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if not redis.call('HGET', KEYS[1], 'stream_id') then return 0 end
local new = false
for i = 2, #KEYS do
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', tonumber(ARGV[1])) then new = true end
end
if not new then return 0 end
local revision = redis.call('HINCRBY', KEYS[1], 'revision', 1)
redis.call('HSET', KEYS[1], 'status', 'queued')
redis.call('HDEL', KEYS[1], 'deliveries')
return revision
