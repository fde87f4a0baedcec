package store

import "github.com/redis/go-redis/v9"

// scripts are the Lua programs that make compare-then-act steps atomic.
type scripts struct {
	acquire, claim, renew, release, setThread, complete *redis.Script
	record, touch, handBack, epoch                      *redis.Script
}

// recordThreadLua stores an episode's thread and moves the alarm's latest
// thread forward; episodes sort chronologically as strings, so a late write
// for an older episode does not replace a newer one.
const recordThreadLua = `
local function record_thread(thread_key, latest_key, thread, ttl, episode)
  redis.call('SET', thread_key, thread, 'PX', ttl)
  local cur = redis.call('HGET', latest_key, 'episode')
  if (not cur) or cur <= episode then
    redis.call('HSET', latest_key, 'episode', episode, 'thread', thread)
    redis.call('PEXPIRE', latest_key, ttl)
  end
end
`

func newScripts() scripts {
	return scripts{
		// KEYS[1] key; ARGV[1] value, ARGV[2] ttl ms
		acquire: redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0`),
		// KEYS[1] claim, KEYS[2] episode thread; ARGV[1] running value, ARGV[2] lease ms
		claim: redis.NewScript(`
local cur = ARGV[1]
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  cur = redis.call('GET', KEYS[1]) or ''
end
return {cur, redis.call('GET', KEYS[2]) or '', redis.call('PTTL', KEYS[1])}`),
		// KEYS[1] key; ARGV[1] expected value, ARGV[2] ttl ms
		renew: redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`),
		// KEYS[1] key; ARGV[1] expected value. A missing key counts as
		// released so that a retried release does not report failure.
		release: redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if not cur then return 1 end
if cur == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0`),
		// KEYS[1] episode thread, KEYS[2] latest; ARGV[1] thread, ARGV[2] ttl ms, ARGV[3] episode
		setThread: redis.NewScript(recordThreadLua + `
record_thread(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])
return 1`),
		// KEYS[1] claim, KEYS[2] episode thread, KEYS[3] latest;
		// ARGV[1] running value, ARGV[2] done value, ARGV[3] window ms,
		// ARGV[4] thread, ARGV[5] thread ttl ms, ARGV[6] episode
		complete: redis.NewScript(recordThreadLua + `
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] and cur ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
record_thread(KEYS[2], KEYS[3], ARGV[4], ARGV[5], ARGV[6])
return 1`),
		// KEYS[1] stream, KEYS[2] dedup key or ''; ARGV[1] token, ARGV[2]
		// dedup ttl ms, ARGV[3] kind, ARGV[4] body, ARGV[5] max length. The
		// dedup key keeps the entry's id after the token, so that a retry of
		// a call whose reply was lost finds its own record.
		record: redis.NewScript(`
local key = KEYS[2]
if key ~= '' then
  local cur = redis.call('GET', key)
  if cur then
    local mine = ARGV[1] .. '|'
    if string.sub(cur, 1, #mine) == mine then return string.sub(cur, #mine + 1) end
    return ''
  end
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[5], '*', 'kind', ARGV[3], 'body', ARGV[4])
if key ~= '' then redis.call('SET', key, ARGV[1] .. '|' .. id, 'PX', ARGV[2]) end
return id`),
		// KEYS[1] stream; ARGV[1] group, ARGV[2] consumer, ARGV[3..] ids.
		touch: redis.NewScript(`
local n = 0
for i = 3, #ARGV do
  local p = redis.pcall('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if type(p) ~= 'table' or p.err then return n end
  if p[1] and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    n = n + 1
  end
end
return n`),
		// KEYS[1] stream; ARGV[1] group, ARGV[2] id, ARGV[3] kind, ARGV[4]
		// body, ARGV[5] max length.
		handBack: redis.NewScript(`
redis.pcall('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[5], '*', 'kind', ARGV[3], 'body', ARGV[4])`),
		// KEYS[1] epoch; ARGV[1] new id, ARGV[2] now in ms.
		epoch: redis.NewScript(`
local v = redis.call('HMGET', KEYS[1], 'id', 'since')
if v[1] then return {v[1], v[2]} end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'since', ARGV[2])
return {ARGV[1], ARGV[2]}`),
	}
}
