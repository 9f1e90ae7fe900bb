-- Records an editor's review of a claim's verdict and appends its verdict.reviewed entry.
-- KEYS: claim, stream, rulings (the newsroom's rulings hash),
--       rulings_by_details (the newsroom's rulings-by-details hash)
-- ARGV: fingerprint, review_json, entry_json, reviewed_at, reviewed_at_us, maxlen,
--       ruling_field, ruling_json, details_signature, stream_id, revision (the claim's
--       verdict stream id and revision as read: the review is made of that record)
-- review_json and entry_json are JSON objects without "supersedes": when the claim already
-- has a review, its reviewed_at is added to both as "supersedes".
-- Returns {1, review json, stream id} when recorded; {0, stored review json, its stream id}
-- when the claim already has this same review (nothing changes); {-1} for an unknown
-- claim; {-2} for a claim without a verdict; {-4} when the claim changed since it was read
-- (another verdict, an edited text: the caller reads it again and retries); {-3, stored
-- reviewed_at_us} when reviewed_at is not later than the stored review's (the caller
-- retries with a later time).
-- A recorded review is also the newsroom's ruling on the claim's text: ruling_json is set
-- as field ruling_field of the rulings hash (replacing an earlier ruling on that text), and
-- ruling_field is added to the JSON list at field details_signature of the details hash.
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
local read = redis.call('HMGET', KEYS[1], 'stream_id', 'revision')
if not read[1] then return {-2} end
if read[1] ~= ARGV[10] or tonumber(read[2] or '0') ~= tonumber(ARGV[11]) then return {-4} end
local stored = redis.call('HMGET', KEYS[1], 'review_fp', 'review', 'review_stream_id',
                          'review_at', 'review_at_us')
if stored[1] == ARGV[1] then return {0, stored[2], stored[3]} end
if stored[5] and tonumber(stored[5]) >= tonumber(ARGV[5]) then return {-3, stored[5]} end
local review, entry = ARGV[2], ARGV[3]
if stored[4] then
  local tail = ',"supersedes":' .. cjson.encode(stored[4]) .. '}'
  review = string.sub(review, 1, -2) .. tail
  entry = string.sub(entry, 1, -2) .. tail
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*',
                      'type', 'verdict.reviewed', 'data', entry)
redis.call('HSET', KEYS[1], 'review', review, 'review_fp', ARGV[1], 'review_stream_id', id,
           'review_at', ARGV[4], 'review_at_us', ARGV[5])
redis.call('HSET', KEYS[3], ARGV[7], ARGV[8])
local same = cjson.decode(redis.call('HGET', KEYS[4], ARGV[9]) or '[]')
local listed = false
for _, field in ipairs(same) do
  if field == ARGV[7] then listed = true end
end
if not listed then
  table.insert(same, ARGV[7])
  redis.call('HSET', KEYS[4], ARGV[9], cjson.encode(same))
end
return {1, review, id}
