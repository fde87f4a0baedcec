package store

import "github.com/redis/go-redis/v9"

// scripts are the Lua programs that make compare-then-act steps atomic.
type scripts struct {
	acquire, claim, renew, release, setThread, complete *redis.Script
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
	}
}
