-- Defines complete_if_done(), which the publisher's scripts are prefixed with.
-- Emits article.completed once, when every claim of the article has a verdict; returns the
-- entry's stream id, or false when the article is unknown, not done, or already completed.
-- Arguments: the article, article_done, article_counts and stream keys, then article_id,
-- maxlen and completed_at.
local function complete_if_done(article_key, done_key, counts_key, stream_key,
                                article_id, maxlen, completed_at)
  if redis.call('EXISTS', article_key) == 0 then return false end
  local total = tonumber(redis.call('HGET', article_key, 'claim_count') or '0')
  if redis.call('SCARD', done_key) < total then return false end
  if redis.call('HSETNX', article_key, 'completed_stream_id', 'pending') == 0 then
    return false
  end
  local counts = {supported=0, refuted=0, not_enough_info=0, conflicting=0}
  local flat = redis.call('HGETALL', counts_key)
  for i = 1, #flat, 2 do counts[flat[i]] = tonumber(flat[i + 1]) end
  local newsroom = redis.call('HGET', article_key, 'newsroom')
  if not newsroom then newsroom = nil end
  local data = cjson.encode({article_id=article_id, claim_count=total, counts=counts,
                             completed_at=completed_at, newsroom=newsroom})
  local id = redis.call('XADD', stream_key, 'MAXLEN', '~', maxlen, '*',
                        'type', 'article.completed', 'data', data)
  redis.call('HSET', article_key, 'completed_stream_id', id)
  return id
end
