-- Emits article.completed if every claim is decided (runs after complete_if_done.lua).
-- KEYS: article, article_done, article_counts, stream
-- ARGV: article_id, maxlen, completed_at
return complete_if_done(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2], ARGV[3])
