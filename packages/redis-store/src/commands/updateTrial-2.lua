--[==[
  Lock-free update of one trial by its owner (heartbeat, intermediate value).
  KEYS: 1 trials hash, 2 changes stream
  ARGV: 1 trial id, 2 new trial JSON, 3 rev it was made from, 4 state the stored copy must have ('' = any),
        5 least length of the changes stream (trimmed as in commitChange-7)
  Returns OK, CONFLICT (a newer rev is stored) or SKIP (state differs). A master that lacks the trial takes it.
]==]
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local t = cjson.decode(cur)
  if t.rev > tonumber(ARGV[3]) then return 'CONFLICT' end
  if ARGV[4] ~= '' and t.state ~= ARGV[4] then return 'SKIP' end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('XADD', KEYS[2], '*', 't', ARGV[1])
redis.call('XTRIM', KEYS[2], 'MAXLEN', '~', math.max(tonumber(ARGV[5]), 2 * redis.call('HLEN', KEYS[1])))
return 'OK'
