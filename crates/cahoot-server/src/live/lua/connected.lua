-- The number of players with a socket on a live instance.
-- A player with sockets on two instances at once (a reload moving between them) counts twice for that
-- moment: "everyone answered" then waits for the timer, it never closes a question early.
-- KEYS: alive connected
-- ARGV: now_ms alive_ms
local n = 0
local inst = redis.call('HGETALL', KEYS[1])
for i = 1, #inst, 2 do
  if tonumber(ARGV[1]) - tonumber(inst[i + 1]) <= tonumber(ARGV[2]) then
    local c = tonumber(redis.call('HGET', KEYS[2], inst[i]) or '0')
    if c > 0 then n = n + c end
  end
end
return n
