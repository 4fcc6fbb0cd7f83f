/**
 * The store protocol in Lua, one script per operation. Each script touches
 * one key (so Redis Cluster never answers CROSSSLOT), reads the time from
 * Redis `TIME` (never a process clock), and leaves every key with a TTL.
 * Numbers go back as strings where they may have a fraction (Lua numbers
 * become integers in a reply).
 */

/** Lets a script write after `TIME` on Redis < 5; a no-op since. */
const PRELUDE = `if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
`;

/**
 * GCRA: KEYS[1] holds the theoretical arrival time (ms). ARGV: limit, perMs,
 * burst, want. Returns { granted, retryAfter, now } (`now`, the Redis time of
 * the decision in epoch ms, is there for tracing). The key lives until the
 * bucket is full again, when forgetting it changes nothing.
 */
export const TAKE = `${PRELUDE}local limit, perMs, burst, want = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local interval = perMs / limit
local tolerance = burst * interval
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat == nil then return redis.error_reply('ERR breakwater: bucket holds no number') end
if tat < now then tat = now end
local room = math.floor((now + tolerance - tat) / interval + 1e-9)
local granted = 0
if room > 0 then granted = math.min(room, want) end
local nextTat = tat + granted * interval
if granted > 0 then
  redis.call('SET', KEYS[1], string.format('%.3f', nextTat), 'PX', math.max(1, math.ceil(nextTat - now)))
end
local wait = nextTat + interval - tolerance - now
if wait < 0 then wait = 0 end
return { granted, string.format('%.3f', wait), string.format('%.3f', now) }
`;

/** Extends the key's TTL to at least ARGV ttl (never shortens what another instance asked for). */
const KEEP = `local function keep(ttl)
  if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
end
`;

/**
 * A shared breaker: KEYS[1] is a hash. Fields `o:<instance>` (when it
 * opened), `u` (until when the latest opening runs), `c` (when the fleet last
 * closed), `n:<slot>`/`f:<slot>`/`s:<slot>` (merged counts per time bucket),
 * `p:<holder>` (probe leases). ARGV: instance, opened ('' or openFor), closed
 * ('1' or ''), calls, failures, slowCalls, windowMs, openWithinMs, ttl.
 * Returns { opens, openLeft, closedAgo (-1: never), calls, failures, slowCalls }.
 */
export const BREAKER = `${PRELUDE}${KEEP}local instance, opened, closed = ARGV[1], ARGV[2], ARGV[3]
local calls, failures, slow = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local windowMs, openWithin, ttl = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local h = KEYS[1]
if closed == '1' then
  local fields = redis.call('HKEYS', h)
  for _, f in ipairs(fields) do
    if string.sub(f, 1, 2) ~= 'p:' then redis.call('HDEL', h, f) end
  end
  redis.call('HSET', h, 'c', string.format('%.3f', now))
end
if opened ~= '' then
  redis.call('HSET', h, 'o:' .. instance, string.format('%.3f', now))
  local untilAt = tonumber(redis.call('HGET', h, 'u') or '0') or 0
  local mine = now + tonumber(opened)
  if mine > untilAt then redis.call('HSET', h, 'u', string.format('%.3f', mine)) end
end
local bucketMs = windowMs / 10
local current = math.floor(now / bucketMs)
if calls > 0 then
  redis.call('HINCRBY', h, 'n:' .. current, calls)
  if failures > 0 then redis.call('HINCRBY', h, 'f:' .. current, failures) end
  if slow > 0 then redis.call('HINCRBY', h, 's:' .. current, slow) end
end
local opens, openLeft, closedAgo, n, f, s = 0, 0, -1, 0, 0, 0
local flat = redis.call('HGETALL', h)
for i = 1, #flat, 2 do
  local name, value = flat[i], tonumber(flat[i + 1]) or 0
  local kind = string.sub(name, 1, 2)
  if kind == 'o:' then
    if now - value < openWithin then opens = opens + 1 else redis.call('HDEL', h, name) end
  elseif kind == 'n:' or kind == 'f:' or kind == 's:' then
    if tonumber(string.sub(name, 3)) <= current - 10 then redis.call('HDEL', h, name)
    elseif kind == 'n:' then n = n + value
    elseif kind == 'f:' then f = f + value
    else s = s + value end
  elseif name == 'u' then
    if value > now then openLeft = value - now end
  elseif name == 'c' then
    closedAgo = now - value
  end
end
if redis.call('EXISTS', h) == 1 then keep(ttl) end
return { opens, string.format('%.3f', openLeft), string.format('%.3f', closedAgo), n, f, s }
`;

/**
 * A probe lease: ARGV holder, ms, max, ttl, quiet. Returns 1 when the holder
 * has (or now took) one of `max` places, else 0: also while the fleet is open
 * (a probe failed elsewhere and reopened it) and for `quiet` ms after the
 * fleet closed (a probe succeeded elsewhere). Expired leases are dropped here.
 */
export const PROBE = `${PRELUDE}${KEEP}local holder, ms, max, ttl, quiet = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local h = KEYS[1]
local untilAt = tonumber(redis.call('HGET', h, 'u') or '0') or 0
local closedAt = tonumber(redis.call('HGET', h, 'c') or '') or -1
if untilAt > now or (closedAt >= 0 and now - closedAt < quiet) then return 0 end
local live, mine = 0, false
local flat = redis.call('HGETALL', h)
for i = 1, #flat, 2 do
  local name = flat[i]
  if string.sub(name, 1, 2) == 'p:' then
    if (tonumber(flat[i + 1]) or 0) <= now then redis.call('HDEL', h, name)
    elseif name == 'p:' .. holder then mine = true
    else live = live + 1 end
  end
end
if not mine and live >= max then return 0 end
redis.call('HSET', h, 'p:' .. holder, string.format('%.3f', now + ms))
keep(ttl)
return 1
`;

/** Gives a probe lease back: ARGV holder. Returns 1 when there was one. */
export const UNPROBE = `return redis.call('HDEL', KEYS[1], 'p:' .. ARGV[1])
`;
