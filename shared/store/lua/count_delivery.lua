-- Counts one delivery of a claim's job; never creates a record.
-- KEYS: claim
-- ARGV: none
-- Returns the deliveries so far, 0 for an unknown claim.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('HINCRBY', KEYS[1], 'deliveries', 1)
