--[==[
  Applies one decided change of a study, all or nothing, if what it was decided from is still current.
  KEYS: 1 study hash, 2 trials hash, 3 param-key index, 4 waiting zset, 5 running set, 6 changes stream, 7 studies set
  ARGV: 1 change JSON (see change.ts), 2 study name, 3 least length of the changes stream
  The changes stream is trimmed (approximately) to max(ARGV[3], 2 x trials): readChanges-2 sends the whole study to a
  reader whose cursor is older than the first entry kept, so trimming never loses a change for it.
  The change carries `seq`, the study's seq it was decided from (-1: do not check), and for every trial it writes the
  rev it was decided from: a stored copy with a higher rev means someone else changed it first -> CONFLICT.
  Only absolute writes (SET, HSET, ZADD, SADD, ...): the same change applied to several masters leaves the same data,
  and replication bringing it again changes nothing.
]==]
local ch = cjson.decode(ARGV[1])
if ch.seq >= 0 then
  local cur = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
  if cur ~= ch.seq then return 'CONFLICT:seq' end
end
for _, t in ipairs(ch.trials) do
  local cur = redis.call('HGET', KEYS[2], t[1])
  if cur and cjson.decode(cur).rev > t[3] then return 'CONFLICT:rev' end
end

if ch.seq >= 0 then redis.call('HSET', KEYS[1], 'seq', string.format('%d', ch.seq + 1)) end
if ch.record then redis.call('HSET', KEYS[1], 'record', ch.record) end
if ch.budget then redis.call('HSET', KEYS[1], 'budget', string.format('%d', ch.budget)) end
if ch.next then redis.call('HSET', KEYS[1], 'next', string.format('%d', ch.next)) end
for _, t in ipairs(ch.trials) do
  redis.call('HSET', KEYS[2], t[1], t[2])
  redis.call('XADD', KEYS[6], '*', 't', t[1])
end
if #ch.trials > 0 then
  local keep = math.max(tonumber(ARGV[3]), 2 * redis.call('HLEN', KEYS[2]))
  redis.call('XTRIM', KEYS[6], 'MAXLEN', '~', keep)
end
-- An index entry holds the ids of its trials, space-separated, oldest first.
-- pdel: [field, id] takes the id out of the entry. pset: [field, id, mode]: 0 set, 1 set if absent, 2 append.
for _, p in ipairs(ch.pdel) do
  local cur = redis.call('HGET', KEYS[3], p[1])
  if cur then
    local kept = {}
    for id in string.gmatch(cur, '%S+') do
      if id ~= p[2] then kept[#kept + 1] = id end
    end
    if #kept == 0 then
      redis.call('HDEL', KEYS[3], p[1])
    else
      redis.call('HSET', KEYS[3], p[1], table.concat(kept, ' '))
    end
  end
end
for _, p in ipairs(ch.pset) do
  if p[3] == 1 then
    redis.call('HSETNX', KEYS[3], p[1], p[2])
  elseif p[3] == 2 then
    local cur = redis.call('HGET', KEYS[3], p[1])
    if not cur then
      redis.call('HSET', KEYS[3], p[1], p[2])
    elseif not string.find(' ' .. cur .. ' ', ' ' .. p[2] .. ' ', 1, true) then
      redis.call('HSET', KEYS[3], p[1], cur .. ' ' .. p[2])
    end
  else
    redis.call('HSET', KEYS[3], p[1], p[2])
  end
end
for _, id in ipairs(ch.wdel) do redis.call('ZREM', KEYS[4], id) end
for _, w in ipairs(ch.wadd) do redis.call('ZADD', KEYS[4], w[1], w[2]) end
for _, id in ipairs(ch.rdel) do redis.call('SREM', KEYS[5], id) end
for _, id in ipairs(ch.radd) do redis.call('SADD', KEYS[5], id) end
if ch.register then redis.call('SADD', KEYS[7], ARGV[2]) end
return 'OK'
