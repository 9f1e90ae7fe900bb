"""Redis, in one room: the client, every key, the Lua scripts, claim records, the verdict
publisher and the stream reader; API keys and webhook endpoints kept there."""
