-- THE answer: record once, score once (streak bonus included), count once, announce once.
-- Shape, correctness, partial credit and the time discount are judged in Rust by cahoot-game against the
-- instance's last known state; this script accepts that judgement only if the stored state has the same
-- version, and re-checks the phase and the deadline. The streak rule is cahoot-game's `accept` /
-- `Streak::after_answer`, with its step and cap passed in (the contract suite checks both stores agree).
-- The stored answer is JSON that Rust serialised up to its `points`, which only this script knows: cjson
-- would re-encode numbers and empty arrays differently from serde.
-- KEYS: state answers:q streaks scores players extra
-- ARGV: player_id answer_id question now_ms ok(0/1) correct(0/1) base_points judged(0/1) answer_json_head ttl
--       err judged_version channel answered_message streak_step streak_cap previous_judged(-1: none)
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
local now = tonumber(ARGV[4])
if s.phase.phase ~= 'question' or s.phase.index ~= q or now > math.max(s.deadline_ms, s.extra_deadline_ms or 0) then
  return {'err', 'question_closed'}
end
-- After the deadline, within the extra time: only players the host granted it.
if now > s.deadline_ms and redis.call('SISMEMBER', KEYS[6], ARGV[1]) == 0 then
  return {'err', 'question_closed'}
end
local correct = ARGV[6] == '1'
local base = tonumber(ARGV[7])
local bonus = 0
-- Polls and word clouds (not judged) leave the streak alone.
if ARGV[8] == '1' then
  local count, last = 0, -1
  local sk = redis.call('HGET', KEYS[3], ARGV[1])
  if sk then
    local c, l = string.match(sk, '^(%d+):(-?%d+)$')
    count, last = tonumber(c), tonumber(l)
  end
  local previous = tonumber(ARGV[17])
  if correct then
    if previous >= 0 and last == previous then count = count + 1 else count = 1 end
  else
    count = 0
  end
  if count >= 2 then bonus = math.min(tonumber(ARGV[15]) * (count - 1), tonumber(ARGV[16])) end
  redis.call('HSET', KEYS[3], ARGV[1], count .. ':' .. q)
end
local points = 0
if base > 0 then
  if correct then points = base + bonus else points = base end
end
local answer = ARGV[9] .. points .. '}'
redis.call('HSET', KEYS[2], ARGV[1], answer)
redis.call('EXPIRE', KEYS[2], ARGV[10])
redis.call('ZINCRBY', KEYS[4], points, ARGV[1])
redis.call('PUBLISH', ARGV[13], ARGV[14])
return {'new', answer}
