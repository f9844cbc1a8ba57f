/**
 * The Lua scripts that make each session operation atomic on the server. Every script
 * touches KEYS[1] (the session hash, or a user's index) and, only when ARGV[1] (the key
 * prefix) is not empty, the keys of the per-user index it derives from that prefix. The store
 * passes an empty prefix on Redis Cluster, where a script may only touch one slot, and does
 * the index work itself in separate, non-atomic commands (see docs/redis.md).
 *
 * Layout: session hash `<prefix>s:<key>` (meta fields c t u p f, and a i in the older
 * layout; data fields `.<name>`), user index `<prefix>u:<userId>` (sorted set, member =
 * session key, score = its deadline).
 */
import { Script } from './driver.js';

/** Lua helpers shared by the scripts (HSET/HDEL in chunks: unpack() has a stack limit). */
const HELPERS = `
local function hset_from(key, argv, from)
  local n = #argv
  local i = from
  while i <= n do
    local last = math.min(i + 199, n)
    redis.call('HSET', key, unpack(argv, i, last))
    i = last + 1
  end
end
local function hdel_range(key, argv, from, to)
  local i = from
  while i <= to do
    local last = math.min(i + 199, to)
    redis.call('HDEL', key, unpack(argv, i, last))
    i = last + 1
  end
end
-- Adds a session to its user's index, drops members past their deadline, keeps the index
-- alive as long as its longest-lived member, and evicts the oldest sessions over the cap.
local function index_add(prefix, user, member, deadline, cap, now)
  local ikey = prefix .. 'u:' .. user
  redis.call('ZADD', ikey, deadline, member)
  redis.call('ZREMRANGEBYSCORE', ikey, '-inf', now)
  local ttl = redis.call('PTTL', ikey)
  if ttl < 0 or now + ttl < deadline then redis.call('PEXPIREAT', ikey, deadline) end
  if cap > 0 and redis.call('ZCARD', ikey) > cap then
    local live = {}
    for _, m in ipairs(redis.call('ZRANGE', ikey, 0, -1)) do
      if m == member or redis.call('HGET', prefix .. 's:' .. m, 'u') == user then
        live[#live + 1] = m
      else
        redis.call('ZREM', ikey, m)
      end
    end
    local excess = #live - cap
    for _, m in ipairs(live) do
      if excess <= 0 then break end
      if m ~= member then
        redis.call('DEL', prefix .. 's:' .. m)
        redis.call('ZREM', ikey, m)
        excess = excess - 1
      end
    end
  end
end
`;

/** ARGV: prefix, member, expiresAt, deadline, userId, cap, now, field/value pairs... → 1 | 0 */
export const createScript = new Script(`${HELPERS}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
hset_from(KEYS[1], ARGV, 8)
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
if ARGV[1] ~= '' and ARGV[5] ~= '' then
  index_add(ARGV[1], ARGV[5], ARGV[2], tonumber(ARGV[4]), tonumber(ARGV[6]), tonumber(ARGV[7]))
end
return 1
`);

/**
 * ARGV: prefix, member, expiresAt, deadline, userId, cap, now, cleared (1|0), persistent
 * ('1' | ''), userAgent, ip, value of c, value of t, n, n fields to delete..., field/value
 * pairs... → {1, previous userId} | {0}. The optional metadata (u p a i) travels by position
 * and is written only when it differs from what is stored, deleted only when it is stored;
 * userAgent and ip are '' when the value of c carries them, which deletes an older `a` `i`.
 */
export const updateScript = new Script(`${HELPERS}
local stored = redis.call('HMGET', KEYS[1], 'c', 'u', 'p', 'a', 'i')
if not stored[1] then return {0} end
local old = stored[2] or ''
if ARGV[8] == '1' then
  redis.call('DEL', KEYS[1])
  stored = {false, false, false, false, false}
end
local ndel = tonumber(ARGV[14])
local fields = {'c', ARGV[12], 't', ARGV[13]}
local gone = {}
local names = {'u', 'p', 'a', 'i'}
local wanted = {ARGV[5], ARGV[9], ARGV[10], ARGV[11]}
for j = 1, 4 do
  local value, current = wanted[j], stored[j + 1]
  if value == '' then
    if current then gone[#gone + 1] = names[j] end
  elseif value ~= current then
    fields[#fields + 1] = names[j]
    fields[#fields + 1] = value
  end
end
for j = 15 + ndel, #ARGV do fields[#fields + 1] = ARGV[j] end
if ndel > 0 then hdel_range(KEYS[1], ARGV, 15, 14 + ndel) end
if #gone > 0 then redis.call('HDEL', KEYS[1], unpack(gone)) end
hset_from(KEYS[1], fields, 1)
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
local user = ARGV[5]
if ARGV[1] ~= '' and old ~= user then
  if old ~= '' then redis.call('ZREM', ARGV[1] .. 'u:' .. old, ARGV[2]) end
  if user ~= '' then
    index_add(ARGV[1], user, ARGV[2], tonumber(ARGV[4]), tonumber(ARGV[6]), tonumber(ARGV[7]))
  end
end
return {1, old}
`);

/** ARGV: expiresAt, value of t → 1 | 0 */
export const touchScript = new Script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 't', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1
`);

/** ARGV: prefix, member → {deleted count, userId or ''} */
export const destroyScript = new Script(`
local user = redis.call('HGET', KEYS[1], 'u')
local n = redis.call('DEL', KEYS[1])
if user and ARGV[1] ~= '' then redis.call('ZREM', ARGV[1] .. 'u:' .. user, ARGV[2]) end
return {n, user or ''}
`);

/** KEYS[1] = user index. ARGV: prefix, userId, now → flat [member, c, t, a, i]... */
export const listScript = new Script(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local out = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local v = redis.call('HMGET', ARGV[1] .. 's:' .. m, 'u', 'c', 't', 'a', 'i')
  if v[1] == ARGV[2] then
    out[#out + 1] = m
    for j = 2, 5 do out[#out + 1] = v[j] or '' end
  else
    redis.call('ZREM', KEYS[1], m)
  end
end
return out
`);

/** KEYS[1] = user index. ARGV: prefix, userId, exceptMember or '' → number destroyed */
export const destroyByUserScript = new Script(`
local n = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if m ~= ARGV[3] then
    local k = ARGV[1] .. 's:' .. m
    if redis.call('HGET', k, 'u') == ARGV[2] then n = n + redis.call('DEL', k) end
    redis.call('ZREM', KEYS[1], m)
  end
end
return n
`);

/**
 * Cluster only, KEYS[1] = user index. ARGV: member, deadline, now, cap → the members in
 * deadline order when the index holds more than `cap`, else an empty list.
 */
export const indexAddScript = new Script(`
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local deadline = tonumber(ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 or tonumber(ARGV[3]) + ttl < deadline then redis.call('PEXPIREAT', KEYS[1], ARGV[2]) end
local cap = tonumber(ARGV[4])
if cap > 0 and redis.call('ZCARD', KEYS[1]) > cap then return redis.call('ZRANGE', KEYS[1], 0, -1) end
return {}
`);

/** Cluster only, KEYS[1] = user index. ARGV: now → members in deadline order, past ones dropped. */
export const indexMembersScript = new Script(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)
`);
