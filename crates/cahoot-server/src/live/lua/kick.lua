-- The kick: removes the player for good (their sockets stop counting too) and announces it.
-- KEYS: players nicks kicked scores conns streaks alive connected seq extra
-- ARGV: player_id channel
-- Returns 0 (not in the game) or the new seq.
local rec = redis.call('HGET', KEYS[1], ARGV[1])
if not rec then return 0 end
redis.call('HDEL', KEYS[2], cjson.decode(rec).nick_key)
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
for _, instance in ipairs(redis.call('HKEYS', KEYS[7])) do
  local field = ARGV[1] .. '|' .. instance
  local n = tonumber(redis.call('HGET', KEYS[5], field) or '0')
  if n > 0 then redis.call('HINCRBY', KEYS[8], instance, -1) end
  redis.call('HDEL', KEYS[5], field)
end
redis.call('HDEL', KEYS[6], ARGV[1])
redis.call('SREM', KEYS[10], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
local seq = redis.call('INCR', KEYS[9])
redis.call('PUBLISH', ARGV[2], cjson.encode({kind = 'kicked', seq = seq, player_id = ARGV[1]}))
return seq
