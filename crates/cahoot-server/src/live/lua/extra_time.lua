-- Extra time: grants or withdraws it for a player of the game and announces the change.
-- KEYS: players extra seq
-- ARGV: player_id on(0/1) channel
-- Returns 0 (not in the game) or the new seq.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[2] == '1' then
  redis.call('SADD', KEYS[2], ARGV[1])
else
  redis.call('SREM', KEYS[2], ARGV[1])
end
local seq = redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[3], cjson.encode({kind = 'extra_time', seq = seq}))
return seq
