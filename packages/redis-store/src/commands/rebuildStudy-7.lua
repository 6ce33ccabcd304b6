--[==[
  Multi-master repair: makes this master hold the merged study (union of trials, highest rev each) and the index,
  queues and counters rebuilt from it. Runs under the study lock, only when masters were found to differ.
  KEYS: as commitChange-7. ARGV: 1 JSON {seq, record, budget, next, trials: [[id, json, rev]], pkeys: [[field, id]],
        waiting: [[number, id]], running: [id]}, 2 study name
]==]
local s = cjson.decode(ARGV[1])
local copied = 0
for _, t in ipairs(s.trials) do
  local cur = redis.call('HGET', KEYS[2], t[1])
  if not cur or cjson.decode(cur).rev < t[3] then
    redis.call('HSET', KEYS[2], t[1], t[2])
    redis.call('XADD', KEYS[6], '*', 't', t[1])
    copied = copied + 1
  end
end
redis.call('DEL', KEYS[3], KEYS[4], KEYS[5])
for _, p in ipairs(s.pkeys) do redis.call('HSET', KEYS[3], p[1], p[2]) end
for _, w in ipairs(s.waiting) do redis.call('ZADD', KEYS[4], w[1], w[2]) end
for _, id in ipairs(s.running) do redis.call('SADD', KEYS[5], id) end
redis.call('HSET', KEYS[1], 'seq', string.format('%d', s.seq), 'budget', string.format('%d', s.budget),
  'next', string.format('%d', s.next))
if s.record ~= '' then
  redis.call('HSET', KEYS[1], 'record', s.record)
  redis.call('SADD', KEYS[7], ARGV[2])
end
return copied
