-- The transition write: compare-and-set the state on its version, then announce it.
-- KEYS: state seq <every other per-game key, for the expiry>
-- ARGV: expected_version new_state_json ttl_secs channel new_version
-- Returns -1 (no such game), 0 (the version moved on: reload and decide again) or the new seq.
local cur = redis.call('GET', KEYS[1])
if not cur then return -1 end
if cjson.decode(cur).version ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
local seq = redis.call('INCR', KEYS[2])
for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
redis.call('PUBLISH', ARGV[4],
  cjson.encode({kind = 'state_changed', seq = seq, version = tonumber(ARGV[5])}))
return seq
