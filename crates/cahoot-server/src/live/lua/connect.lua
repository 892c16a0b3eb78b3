-- A player's socket opened (delta 1) or closed (delta -1), announced as presence.
-- Sockets are counted per (player, instance) so a dead instance's sockets can be ignored, and each
-- instance keeps the number of distinct players it holds sockets for ("connected"), so counting the
-- connected players costs one field per instance instead of a scan of every socket.
-- KEYS: players conns alive connected
-- ARGV: player_id instance delta now_ms channel
-- Returns -1 (no such player) or the player's socket count on this instance.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return -1 end
local field = ARGV[1] .. '|' .. ARGV[2]
local delta = tonumber(ARGV[3])
local after = redis.call('HINCRBY', KEYS[2], field, delta)
local before = after - delta
if after <= 0 then redis.call('HDEL', KEYS[2], field) end
if before <= 0 and after > 0 then redis.call('HINCRBY', KEYS[4], ARGV[2], 1) end
if before > 0 and after <= 0 then redis.call('HINCRBY', KEYS[4], ARGV[2], -1) end
redis.call('HSET', KEYS[3], ARGV[2], ARGV[4])
redis.call('PUBLISH', ARGV[5], cjson.encode({kind = 'presence', player_id = ARGV[1],
  connected = delta > 0}))
return after
