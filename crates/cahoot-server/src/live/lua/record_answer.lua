-- THE answer: record once, score once (streak bonus included), count once, announce once.
-- Correctness and the time discount are judged in Rust by cahoot-game against the instance's last known
-- state; this script accepts that judgement only if the stored state has the same version, and re-checks
-- the phase and the deadline. The streak rule is cahoot-game's `Streak::after_answer`, with its step and
-- cap passed in (the contract suite checks both stores agree, cap included).
-- KEYS: state answers:q streaks scores players
-- ARGV: player_id answer_id question now_ms judged(0/1) correct(0/1) base_points elapsed_ms choice ttl err
--       judged_version channel answered_message streak_step streak_cap
-- Returns {'new'|'dup', answer_json}, {'stale', ''} when the answer was judged against another state
-- version than the stored one (the caller re-reads the state and judges again), or {'err', code}.
local st = redis.call('GET', KEYS[1])
if not st then return {'err', 'game_not_found'} end
if redis.call('HEXISTS', KEYS[5], ARGV[1]) == 0 then return {'err', 'player_not_found'} end
local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing then
  if cjson.decode(existing).answer_id == ARGV[2] then return {'dup', existing} end
  return {'err', 'already_answered'}
end
local s = cjson.decode(st)
if s.version ~= tonumber(ARGV[12]) then return {'stale', ''} end
if ARGV[5] ~= '1' then return {'err', ARGV[11]} end
local q = tonumber(ARGV[3])
if s.phase.phase ~= 'question' or s.phase.index ~= q or tonumber(ARGV[4]) > s.deadline_ms then
  return {'err', 'question_closed'}
end
local correct = ARGV[6] == '1'
local count, last = 0, -1
local sk = redis.call('HGET', KEYS[3], ARGV[1])
if sk then
  local c, l = string.match(sk, '^(%d+):(-?%d+)$')
  count, last = tonumber(c), tonumber(l)
end
if correct then
  if q > 0 and last == q - 1 then count = count + 1 else count = 1 end
else
  count = 0
end
local bonus = 0
if count >= 2 then bonus = math.min(tonumber(ARGV[15]) * (count - 1), tonumber(ARGV[16])) end
local points = 0
if correct and tonumber(ARGV[7]) > 0 then points = tonumber(ARGV[7]) + bonus end
redis.call('HSET', KEYS[3], ARGV[1], count .. ':' .. q)
local answer = cjson.encode({answer_id = ARGV[2], question = q, choice = tonumber(ARGV[9]),
  correct = correct, elapsed_ms = tonumber(ARGV[8]), points = points})
redis.call('HSET', KEYS[2], ARGV[1], answer)
redis.call('EXPIRE', KEYS[2], ARGV[10])
redis.call('ZINCRBY', KEYS[4], points, ARGV[1])
redis.call('PUBLISH', ARGV[13], ARGV[14])
return {'new', answer}
