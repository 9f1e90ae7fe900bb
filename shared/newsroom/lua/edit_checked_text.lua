-- Sets an editor's checked text on a claim and raises its revision, so that the claim is
-- checked again with that text (shared/newsroom/checked_text.py).
-- KEYS: claim
-- ARGV: checked_text, editor, edited_at (ISO 8601)
-- The text the extractor wrote is kept once, as extracted_text, before the first change.
-- The delivery count starts again: the deliveries of earlier revisions were no crashes.
-- Returns {-1} for an unknown claim; {0, revision} when the claim's text already is
-- checked_text (nothing changes); else {1, new revision}.
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
local stored = redis.call('HMGET', KEYS[1], 'text', 'revision')
if stored[1] == ARGV[1] then return {0, tonumber(stored[2] or '0')} end
redis.call('HSETNX', KEYS[1], 'extracted_text', stored[1])
local revision = redis.call('HINCRBY', KEYS[1], 'revision', 1)
redis.call('HSET', KEYS[1], 'text', ARGV[1], 'edited_by', ARGV[2], 'edited_at', ARGV[3],
           'edit_revision', revision, 'status', 'queued')
redis.call('HDEL', KEYS[1], 'deliveries')
return {1, revision}
