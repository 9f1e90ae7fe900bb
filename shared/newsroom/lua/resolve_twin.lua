-- Applies an editor's ruling on one claim to a twin of it (the same claim, in the same
-- newsroom) and appends the twin's verdict.reviewed entry.
-- KEYS: twin (the twin's claim), stream, review_queue (the newsroom's),
--       ruled (the ruled claim)
-- ARGV: twin_stream_id (the twin's verdict stream id as read), ruled_id, review_json,
--       entry_json (both without "supersedes"), fingerprint, reviewed_at,
--       reviewed_at_us, maxlen, twin_id
-- The twin is open to the ruling when its verdict is still the one read (no re-check got
-- in) and it has no review, or only one resolved by the same ruled claim and made before
-- this one (a corrected ruling reaches the twins it resolved). An editor's own review of
-- the twin is never replaced. A replaced review is named as "supersedes", as review.lua
-- does. The twin leaves the review queue, and its id is added to the JSON list in field
-- "twins" of the ruled claim (while that record lives), where the next ruling finds it.
-- Returns {1, stream id} when applied; {0} when the twin was not open.
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local stored = redis.call('HMGET', KEYS[1], 'stream_id', 'review', 'review_at', 'review_at_us')
if stored[1] ~= ARGV[1] then return {0} end
if stored[2] then
  local ok, review = pcall(cjson.decode, stored[2])
  if not ok or review['resolved_by'] ~= ARGV[2] then return {0} end
  if tonumber(stored[4] or '0') >= tonumber(ARGV[7]) then return {0} end
end
local review, entry = ARGV[3], ARGV[4]
if stored[3] then
  local tail = ',"supersedes":' .. cjson.encode(stored[3]) .. '}'
  review = string.sub(review, 1, -2) .. tail
  entry = string.sub(entry, 1, -2) .. tail
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[8], '*',
                      'type', 'verdict.reviewed', 'data', entry)
redis.call('HSET', KEYS[1], 'review', review, 'review_fp', ARGV[5], 'review_stream_id', id,
           'review_at', ARGV[6], 'review_at_us', ARGV[7])
redis.call('ZREM', KEYS[3], ARGV[9])
if redis.call('EXISTS', KEYS[4]) == 1 then
  local twins = cjson.decode(redis.call('HGET', KEYS[4], 'twins') or '[]')
  local listed = false
  for _, twin in ipairs(twins) do
    if twin == ARGV[9] then listed = true end
  end
  if not listed then
    table.insert(twins, ARGV[9])
    redis.call('HSET', KEYS[4], 'twins', cjson.encode(twins))
  end
end
return {1, id}
