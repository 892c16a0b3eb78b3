-- A fixed-window counter: the first hit starts the window.
-- KEYS: counter
-- ARGV: window_ms
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
