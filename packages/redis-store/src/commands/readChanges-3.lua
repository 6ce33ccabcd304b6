--[==[
  Trials changed after a stream position, read atomically with the position reached and the study record.
  KEYS: 1 trials hash, 2 changes stream, 3 study hash
  ARGV: 1 last stream id seen ('' = everything: the whole trials hash)
  Returns: new last id, the study's seq, its record ('' when missing), then (id, trial JSON) pairs.
  The stream is trimmed by the writers: when the entry after the cursor may be gone (the cursor is older than the
  first entry kept), the reader gets every trial instead, which is always a correct answer.
]==]
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
local head = redis.call('HMGET', KEYS[3], 'seq', 'record')
-- '0-0' stands for "before the first entry", so that an empty stream still yields a usable cursor.
local out = { last and last[1] or (ARGV[1] ~= '' and ARGV[1] or '0-0'), head[1] or '0', head[2] or '' }
local ms, sq = string.match(ARGV[1], '^(%d+)-(%d+)$')
if ARGV[1] ~= '' and not ms then return redis.error_reply('bad cursor') end
local everything = ARGV[1] == ''
if not everything then
  local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
  if first then
    local fms, fsq = string.match(first[1], '^(%d+)-(%d+)$')
    local firstMs, cursorMs = tonumber(fms), tonumber(ms)
    -- Entries up to the cursor were read; anything between it and the first kept entry may have been trimmed.
    everything = firstMs > cursorMs or (firstMs == cursorMs and tonumber(fsq) > tonumber(sq) + 1)
  end
end
if everything then
  local all = redis.call('HGETALL', KEYS[1])
  for i = 1, #all do out[#out + 1] = all[i] end
  return out
end
-- XRANGE's exclusive '(' form needs Redis 6.2; KeyDB 6.0 lacks it, so step past the id by hand.
local entries = redis.call('XRANGE', KEYS[2], ms .. '-' .. string.format('%d', tonumber(sq) + 1), '+')
local seen = {}
for _, e in ipairs(entries) do
  local id = e[2][2]
  if not seen[id] then
    seen[id] = true
    out[#out + 1] = id
    out[#out + 1] = redis.call('HGET', KEYS[1], id) or ''
  end
end
return out
