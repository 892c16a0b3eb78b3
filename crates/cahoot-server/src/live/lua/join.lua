-- The join: checks the game is open to joins, adds the player under a unique nickname, announces it.
-- KEYS: state players nicks kicked scores seq
-- ARGV: player_id nick_key stored_player_json channel nickname
-- Returns {'ok', seq, player_count} or {'err', code}.
local st = redis.call('GET', KEYS[1])
if not st then return {'err', 'game_not_found'} end
local s = cjson.decode(st)
if s.phase.phase == 'podium' then return {'err', 'game_finished'} end
if s.locked then return {'err', 'game_locked'} end
if redis.call('SISMEMBER', KEYS[4], ARGV[1]) == 1 then return {'err', 'kicked'} end
if redis.call('HSETNX', KEYS[3], ARGV[2], ARGV[1]) == 0 then return {'err', 'nickname_taken'} end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[5], 0, ARGV[1])
local seq = redis.call('INCR', KEYS[6])
local count = redis.call('HLEN', KEYS[2])
redis.call('PUBLISH', ARGV[4], cjson.encode({kind = 'player_joined', seq = seq,
  player_id = ARGV[1], nickname = ARGV[5], player_count = count}))
return {'ok', seq, count}
