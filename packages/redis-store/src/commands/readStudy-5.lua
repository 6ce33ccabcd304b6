--[==[
  Reads what a state change of one study needs, in one round trip.
  KEYS: 1 study hash, 2 trials hash, 3 param-key index, 4 waiting zset, 5 running set
  ARGV: 1 param key ('' for none), 2 '1' = include the oldest WAITING trial, 3 '1' = include every RUNNING trial,
        4.. further trial ids to fetch
  Returns: seq, record, budget, next, running count, waiting count, W id, R id, C id, oldest WAITING id,
           number of running ids, running ids..., then (id, trial JSON) pairs; '' stands for missing.
]==]
local h = redis.call('HMGET', KEYS[1], 'seq', 'record', 'budget', 'next')
local out = { h[1] or '0', h[2] or '', h[3] or '0', h[4] or '0',
  tostring(redis.call('SCARD', KEYS[5])), tostring(redis.call('ZCARD', KEYS[4])) }

local w, r, c = '', '', ''
if ARGV[1] ~= '' then
  local k = redis.call('HMGET', KEYS[3], 'W:' .. ARGV[1], 'R:' .. ARGV[1], 'C:' .. ARGV[1])
  -- Each entry lists its trials oldest first: the first one is the one to use.
  w, r, c = string.match(k[1] or '', '^(%S*)'), string.match(k[2] or '', '^(%S*)'), string.match(k[3] or '', '^(%S*)')
end
local oldest = ''
if ARGV[2] == '1' then
  oldest = redis.call('ZRANGE', KEYS[4], 0, 0)[1] or ''
end
out[#out + 1] = w
out[#out + 1] = r
out[#out + 1] = c
out[#out + 1] = oldest

local running = {}
if ARGV[3] == '1' then running = redis.call('SMEMBERS', KEYS[5]) end
out[#out + 1] = tostring(#running)
for _, id in ipairs(running) do out[#out + 1] = id end

local seen = {}
local function fetch(id)
  if id == '' or seen[id] then return end
  seen[id] = true
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', KEYS[2], id) or ''
end
fetch(w)
fetch(r)
fetch(c)
fetch(oldest)
for _, id in ipairs(running) do fetch(id) end
for i = 4, #ARGV do fetch(ARGV[i]) end
return out
