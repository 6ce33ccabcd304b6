--[==[
  Applies one decided change of a study, all or nothing, if what it was decided from still holds.
  KEYS: 1 study hash, 2 trials hash, 3 param-key index, 4 waiting zset, 5 running set, 6 changes stream, 7 studies set
  ARGV: 1 change JSON (see change.ts), 2 study name, 3 least length of the changes stream, 4.. the JSON of each
        trial in `trials`, in order (apart, so that it is not escaped into the change JSON and decoded again)
  The changes stream is trimmed (approximately) to max(ARGV[3], 2 x trials): readChanges-3 sends the whole study to a
  reader whose cursor is older than the first entry kept, so trimming never loses a change for it.
  Every trial written ([id, rev, offset]) carries the rev it was decided from: a stored copy with a higher rev means
  someone else changed it first -> CONFLICT. Beyond that, a change is checked one of two ways:
  - seq >= 0 (several masters, under the study lock): the study's seq must still be the one read. Only absolute
    writes (SET, HSET, ZADD, SADD, ...): the same change applied to several masters leaves the same data, and
    replication bringing it again changes nothing.
  - seq < 0, guarded (one server): only what the decision depended on is checked: `rec` the sha1 of the study record,
    `keys` the first id of each param-key index entry it read, `cap` the budget after the change, `settle` the end
    of the budget (a change that ends the study DONE must leave the budget used and nothing RUNNING or WAITING, and
    one that leaves the study so, when it was not before, must end it). New trials (with an offset among the new
    ones) get their numbers here, from `next`, and `budget` moves by `bdelta`: changes of different trials made at
    the same time both go through.
  Returns 'OK', 'OK:<number of the first new trial>' (guarded), or 'CONFLICT:<what changed>'.
]==]
local ch = cjson.decode(ARGV[1])
local guarded = ch.seq < 0
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
if guarded then
  if redis.sha1hex(redis.call('HGET', KEYS[1], 'record') or '') ~= ch.rec then return 'CONFLICT:record' end
  for _, k in ipairs(ch.keys) do
    if string.match(redis.call('HGET', KEYS[3], k[1]) or '', '^(%S*)') ~= k[2] then return 'CONFLICT:key' end
  end
elseif seq ~= ch.seq then
  return 'CONFLICT:seq'
end
for _, t in ipairs(ch.trials) do
  local cur = redis.call('HGET', KEYS[2], t[1])
  if cur and cjson.decode(cur).rev > t[2] then return 'CONFLICT:rev' end
end

local next = tonumber(redis.call('HGET', KEYS[1], 'next') or '0')
local budget = tonumber(redis.call('HGET', KEYS[1], 'budget') or '0')
if guarded then
  local after = budget + ch.bdelta
  if ch.cap and ch.bdelta > 0 and after > ch.cap then return 'CONFLICT:budget' end
  if ch.settle then
    local max = ch.settle[1]
    local running, waiting = redis.call('SCARD', KEYS[5]), redis.call('ZCARD', KEYS[4])
    local before = budget >= max and running == 0 and waiting == 0
    for _, id in ipairs(ch.rdel) do running = running - redis.call('SISMEMBER', KEYS[5], id) end
    for _, id in ipairs(ch.radd) do running = running + 1 - redis.call('SISMEMBER', KEYS[5], id) end
    for _, id in ipairs(ch.wdel) do
      if redis.call('ZSCORE', KEYS[4], id) then waiting = waiting - 1 end
    end
    for _, w in ipairs(ch.wadd) do
      if not redis.call('ZSCORE', KEYS[4], w[2]) then waiting = waiting + 1 end
    end
    local settled = after >= max and running == 0 and waiting == 0
    if ch.settle[2] == 1 then
      if not settled then return 'CONFLICT:settle' end
    elseif settled and not before then
      return 'CONFLICT:settle'
    end
  end
end

redis.call('HSET', KEYS[1], 'seq', string.format('%d', seq + 1))
if ch.record then redis.call('HSET', KEYS[1], 'record', ch.record) end
if guarded then
  local grown = next
  for _, t in ipairs(ch.trials) do
    if t[3] then grown = math.max(grown, next + t[3] + 1) end
  end
  if grown ~= next then redis.call('HSET', KEYS[1], 'next', string.format('%d', grown)) end
  if ch.bdelta ~= 0 then redis.call('HSET', KEYS[1], 'budget', string.format('%d', budget + ch.bdelta)) end
else
  if ch.budget then redis.call('HSET', KEYS[1], 'budget', string.format('%d', ch.budget)) end
  if ch.next then redis.call('HSET', KEYS[1], 'next', string.format('%d', ch.next)) end
end
for i, t in ipairs(ch.trials) do
  local json = ARGV[3 + i]
  -- A new trial of a guarded change comes without its number: it is the first field here.
  if t[3] then json = string.format('{"number":%d,', next + t[3]) .. string.sub(json, 2) end
  redis.call('HSET', KEYS[2], t[1], json)
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
-- wadd: [number, id], or [0, id, offset] for a new trial of a guarded change.
for _, w in ipairs(ch.wadd) do redis.call('ZADD', KEYS[4], w[3] and next + w[3] or w[1], w[2]) end
for _, id in ipairs(ch.rdel) do redis.call('SREM', KEYS[5], id) end
for _, id in ipairs(ch.radd) do redis.call('SADD', KEYS[5], id) end
if ch.register then redis.call('SADD', KEYS[7], ARGV[2]) end
if guarded then return 'OK:' .. string.format('%d', next) end
return 'OK'
