package store

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/redis/go-redis/v9"

	"github.com/trailhound/trailhound/investigation"
)

// Claim timings. A triage renews its lease every DefaultRenewEvery; a replica
// that dies stops renewing, so another can take the alarm over once
// DefaultLease has passed, well within a minute.
const (
	DefaultLease       = 45 * time.Second
	DefaultRenewEvery  = 15 * time.Second
	DefaultDedupWindow = time.Hour
	DefaultEnvelopeTTL = 10 * time.Minute
)

// Claim value prefixes: a running claim holds "run:<token>", a finished one
// "done:<token>", so one GET tells the state and the owner apart.
const (
	runPrefix  = "run:"
	donePrefix = "done:"
)

// Episode identifies one ALARM episode of an alarm: the minute of its state
// change, in UTC (EpisodeOf).
//
// CloudWatch notifies only on state transitions, and every copy of one
// transition (SNS redeliveries, the same alarm delivered by SNS, EventBridge
// and a chat integration at once, an SQS message seen twice) carries the same
// StateChangeTime. A new ALARM after OK is a new transition with a new time.
// The minute, not the millisecond, because the human-readable deliveries
// (e-mail text, chat notifications) do not carry milliseconds or seconds
// reliably, and they must land on the same key as the JSON ones. Two
// distinct episodes within one minute merge into one triage, which is the
// right outcome for a flapping alarm anyway.
type Episode string

// EpisodeOf returns the episode of a state change at t.
func EpisodeOf(t time.Time) Episode {
	return Episode(t.UTC().Truncate(time.Minute).Format("20060102T1504Z"))
}

// AlarmKey names one episode of one alarm.
type AlarmKey struct {
	Account  string
	Region   string
	AlarmARN string
	Episode  Episode
}

// KeyFor derives the key of the alarm's current episode. Account and region
// come from the alarm, or from its ARN when the delivery did not carry them.
func KeyFor(a investigation.Alarm) (AlarmKey, error) {
	if a.ARN == "" {
		return AlarmKey{}, fmt.Errorf("alarm key for %q: alarm ARN is empty", a.Name)
	}
	if a.StateChangeTime.IsZero() {
		return AlarmKey{}, fmt.Errorf("alarm key for %s: state change time is unknown", a.ARN)
	}
	k := AlarmKey{Account: a.Account, Region: a.Region, AlarmARN: a.ARN, Episode: EpisodeOf(a.StateChangeTime)}
	// arn:partition:cloudwatch:region:account:alarm:name
	if parts := strings.SplitN(a.ARN, ":", 6); len(parts) == 6 {
		if k.Region == "" {
			k.Region = parts[3]
		}
		if k.Account == "" {
			k.Account = parts[4]
		}
	}
	return k, k.validate()
}

func (k AlarmKey) String() string {
	return k.AlarmARN + "@" + string(k.Episode)
}

func (k AlarmKey) validate() error {
	if err := validateARN(k.AlarmARN); err != nil {
		return fmt.Errorf("alarm key: %w", err)
	}
	if k.Episode == "" {
		return fmt.Errorf("alarm key %s: episode is empty", k.AlarmARN)
	}
	for _, f := range []struct{ name, value string }{
		{"account", k.Account}, {"region", k.Region}, {"episode", string(k.Episode)},
	} {
		if strings.Contains(f.value, ":") || hasSpaceOrControl(f.value) {
			return fmt.Errorf("alarm key %s: %s %q contains ':', spaces or control characters", k.AlarmARN, f.name, f.value)
		}
	}
	return nil
}

func validateARN(arn string) error {
	switch {
	case arn == "":
		return errors.New("alarm ARN is empty")
	case !strings.HasPrefix(arn, "arn:"):
		return fmt.Errorf("alarm ARN %q does not start with \"arn:\"", arn)
	case strings.ContainsAny(arn, "{}") || hasSpaceOrControl(arn):
		return fmt.Errorf("alarm ARN %q contains braces, spaces or control characters", arn)
	case len(arn) > 2048:
		return fmt.Errorf("alarm ARN is %d bytes, longer than 2048", len(arn))
	}
	return nil
}

func hasSpaceOrControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0
}

// Keys of one episode share the ARN as a hash tag, so the scripts that touch
// several of them stay valid on a sharded Redis.
func (s *Store) claimKey(k AlarmKey) string {
	return s.key("alarm", "{"+k.AlarmARN+"}", k.Account, k.Region, string(k.Episode))
}

func (s *Store) episodeThreadKey(k AlarmKey) string {
	return s.key("alarm-thread", "{"+k.AlarmARN+"}", k.Account, k.Region, string(k.Episode))
}

func (s *Store) latestThreadKey(alarmARN string) string {
	return s.key("alarm-latest", "{"+alarmARN+"}")
}

// ClaimState is the outcome of ClaimAlarm.
type ClaimState string

const (
	// ClaimWon: the caller runs the triage and holds the lease.
	ClaimWon ClaimState = "won"
	// ClaimRunning: another owner is triaging this episode right now.
	ClaimRunning ClaimState = "running"
	// ClaimDone: the episode was triaged within the dedup window.
	ClaimDone ClaimState = "done"
)

// Claim is the answer to ClaimAlarm.
type Claim struct {
	State ClaimState
	// Lease is set when State is ClaimWon.
	Lease *Lease
	// Owner names who holds a running or finished claim (the owner passed
	// to ClaimAlarm).
	Owner string
	// Thread is the episode's Slack thread when one was recorded: the
	// report's thread when done, the placeholder's while running, and, for
	// a take-over win, the thread the previous owner had started.
	Thread ThreadRef
	// TTL is what remains of the lease (won, running) or of the dedup
	// window (done).
	TTL time.Duration
}

// ClaimAlarm claims the episode for owner (a replica name, for the record).
// Exactly one caller wins until the lease runs out or the winner releases
// it; after Complete, callers get ClaimDone until the dedup window ends.
// lease <= 0 means DefaultLease.
func (s *Store) ClaimAlarm(ctx context.Context, key AlarmKey, owner string, lease time.Duration) (Claim, error) {
	if err := key.validate(); err != nil {
		return Claim{}, err
	}
	if err := validateOwner(owner); err != nil {
		return Claim{}, fmt.Errorf("claim %s: %w", key, err)
	}
	if lease <= 0 {
		lease = DefaultLease
	}
	token := owner + "/" + rand.Text()
	var res []any
	err := s.do(ctx, "claim "+key.String(), func(ctx context.Context) error {
		var err error
		res, err = s.scripts.claim.Run(ctx, s.rdb,
			[]string{s.claimKey(key), s.episodeThreadKey(key)},
			runPrefix+token, ms(lease)).Slice()
		return err
	})
	if err != nil {
		return Claim{}, err
	}
	if len(res) != 3 {
		return Claim{}, fmt.Errorf("claim %s: unexpected reply of %d values", key, len(res))
	}
	value, _ := res[0].(string)
	threadJSON, _ := res[1].(string)
	pttl, _ := res[2].(int64)
	c := Claim{TTL: time.Duration(max(pttl, 0)) * time.Millisecond}
	if threadJSON != "" {
		if err := json.Unmarshal([]byte(threadJSON), &c.Thread); err != nil {
			return Claim{}, fmt.Errorf("claim %s: decode recorded thread: %w", key, err)
		}
	}
	switch {
	case value == runPrefix+token:
		c.State, c.Owner = ClaimWon, owner
		c.Lease = &Lease{s: s, key: key, token: token, lease: lease}
	case strings.HasPrefix(value, donePrefix):
		c.State, c.Owner = ClaimDone, ownerOf(strings.TrimPrefix(value, donePrefix))
	case strings.HasPrefix(value, runPrefix):
		c.State, c.Owner = ClaimRunning, ownerOf(strings.TrimPrefix(value, runPrefix))
	default:
		return Claim{}, fmt.Errorf("claim %s: key holds an unknown value %q", key, value)
	}
	return c, nil
}

func validateOwner(owner string) error {
	switch {
	case owner == "":
		return errors.New("owner is empty")
	case len(owner) > 200:
		return fmt.Errorf("owner is %d bytes, longer than 200", len(owner))
	case hasSpaceOrControl(owner):
		return fmt.Errorf("owner %q contains spaces or control characters", owner)
	}
	return nil
}

// ownerOf takes the owner name out of "owner/nonce".
func ownerOf(token string) string {
	if i := strings.LastIndex(token, "/"); i >= 0 {
		return token[:i]
	}
	return token
}

// Lease is a won alarm claim. Renew it while the triage runs; then Complete
// it once the report is posted, or Release it if the triage failed.
type Lease struct {
	s     *Store
	key   AlarmKey
	token string
	lease time.Duration
}

// Key is the episode the lease is for.
func (l *Lease) Key() AlarmKey { return l.key }

// Renew extends the lease by its full length if the caller still owns it,
// and returns ErrNotOwner otherwise.
func (l *Lease) Renew(ctx context.Context) error {
	return l.s.do(ctx, "renew "+l.key.String(), func(ctx context.Context) error {
		n, err := l.s.scripts.renew.Run(ctx, l.s.rdb, []string{l.s.claimKey(l.key)}, runPrefix+l.token, ms(l.lease)).Int64()
		if err != nil {
			return err
		}
		if n != 1 {
			return ErrNotOwner
		}
		return nil
	})
}

// Hold renews the lease every interval (<= 0: a third of the lease) until
// ctx ends, which returns nil, or the lease is lost, which returns
// ErrNotOwner. Failures to reach Redis are logged and retried at the next
// tick: the triage goes on either way, and if the lease expires meanwhile
// the next renewal reports it lost.
func (l *Lease) Hold(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = l.lease / 3
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		err := l.Renew(ctx)
		switch {
		case err == nil, ctx.Err() != nil:
		case errors.Is(err, ErrNotOwner):
			return err
		default:
			l.s.opts.Logger.Warn("alarm lease renewal failed; retrying", "alarm", l.key.String(), "error", err)
		}
	}
}

// Complete turns the lease into a "done" marker kept for dedupWindow (<= 0:
// DefaultDedupWindow) and records thread as the episode's thread. It fails
// with ErrNotOwner, writing nothing, if another owner has taken the episode
// over; a lease that merely expired with nobody else claiming is completed.
func (l *Lease) Complete(ctx context.Context, thread ThreadRef, dedupWindow time.Duration) error {
	if err := thread.validate(); err != nil {
		return fmt.Errorf("complete %s: %w", l.key, err)
	}
	if dedupWindow <= 0 {
		dedupWindow = DefaultDedupWindow
	}
	threadJSON, err := json.Marshal(thread)
	if err != nil {
		return fmt.Errorf("complete %s: encode thread: %w", l.key, err)
	}
	return l.s.do(ctx, "complete "+l.key.String(), func(ctx context.Context) error {
		n, err := l.s.scripts.complete.Run(ctx, l.s.rdb,
			[]string{l.s.claimKey(l.key), l.s.episodeThreadKey(l.key), l.s.latestThreadKey(l.key.AlarmARN)},
			runPrefix+l.token, donePrefix+l.token, ms(dedupWindow),
			threadJSON, ms(l.s.opts.ThreadTTL), string(l.key.Episode)).Int64()
		if err != nil {
			return err
		}
		if n != 1 {
			return ErrNotOwner
		}
		return nil
	})
}

// Release gives the episode up (the triage failed) so the next notification
// triages it again. Releasing a lease that already expired is not an error;
// one taken over by another owner returns ErrNotOwner and leaves theirs alone.
func (l *Lease) Release(ctx context.Context) error {
	return l.s.compareAndDelete(ctx, "release "+l.key.String(), l.s.claimKey(l.key), runPrefix+l.token)
}

func (s *Store) compareAndDelete(ctx context.Context, op, key, value string) error {
	return s.do(ctx, op, func(ctx context.Context) error {
		n, err := s.scripts.release.Run(ctx, s.rdb, []string{key}, value).Int64()
		if err != nil {
			return err
		}
		if n != 1 {
			return ErrNotOwner
		}
		return nil
	})
}

// SetThread records the thread of an episode, as soon as its placeholder is
// posted, so that re-fires and the OK that ends the episode find it. It also
// becomes the alarm's latest thread (LatestThread) unless a later episode
// already has one.
func (s *Store) SetThread(ctx context.Context, key AlarmKey, thread ThreadRef) error {
	if err := key.validate(); err != nil {
		return err
	}
	if err := thread.validate(); err != nil {
		return fmt.Errorf("set thread of %s: %w", key, err)
	}
	threadJSON, err := json.Marshal(thread)
	if err != nil {
		return fmt.Errorf("set thread of %s: encode: %w", key, err)
	}
	return s.do(ctx, "set thread of "+key.String(), func(ctx context.Context) error {
		return s.scripts.setThread.Run(ctx, s.rdb,
			[]string{s.episodeThreadKey(key), s.latestThreadKey(key.AlarmARN)},
			threadJSON, ms(s.opts.ThreadTTL), string(key.Episode)).Err()
	})
}

// ThreadFor returns the thread recorded for the episode, or ErrNotFound.
func (s *Store) ThreadFor(ctx context.Context, key AlarmKey) (ThreadRef, error) {
	if err := key.validate(); err != nil {
		return ThreadRef{}, err
	}
	var thread ThreadRef
	err := s.do(ctx, "thread of "+key.String(), func(ctx context.Context) error {
		b, err := s.rdb.Get(ctx, s.episodeThreadKey(key)).Bytes()
		if errors.Is(err, redis.Nil) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		return json.Unmarshal(b, &thread)
	})
	return thread, err
}

// EpisodeThread is the thread of one episode.
type EpisodeThread struct {
	Episode Episode
	Thread  ThreadRef
}

// LatestThread returns the thread of the alarm's most recent episode that
// has one, or ErrNotFound. OK notifications use it: they end an episode but
// carry their own state-change time, not the ALARM's.
func (s *Store) LatestThread(ctx context.Context, alarmARN string) (EpisodeThread, error) {
	if err := validateARN(alarmARN); err != nil {
		return EpisodeThread{}, fmt.Errorf("latest thread: %w", err)
	}
	var et EpisodeThread
	err := s.do(ctx, "latest thread of "+alarmARN, func(ctx context.Context) error {
		m, err := s.rdb.HGetAll(ctx, s.latestThreadKey(alarmARN)).Result()
		if err != nil {
			return err
		}
		if m["thread"] == "" {
			return ErrNotFound
		}
		et.Episode = Episode(m["episode"])
		return json.Unmarshal([]byte(m["thread"]), &et.Thread)
	})
	return et, err
}

// ClaimEnvelope claims a Socket Mode envelope (or any event id) for ttl
// (<= 0: DefaultEnvelopeTTL). Several replicas of one Slack app all receive
// each envelope; only the one that gets true handles it.
func (s *Store) ClaimEnvelope(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	if err := validateName("envelope id", id); err != nil {
		return false, err
	}
	if ttl <= 0 {
		ttl = DefaultEnvelopeTTL
	}
	var won bool
	err := s.do(ctx, "claim envelope "+id, func(ctx context.Context) error {
		var err error
		won, err = s.acquire(ctx, s.key("envelope", id), rand.Text(), ttl)
		return err
	})
	return won, err
}

// acquire is SET NX PX that also counts as won when the key already holds
// our own value: go-redis retries a command whose reply was lost, and the
// retry must not mistake our first attempt for someone else's.
func (s *Store) acquire(ctx context.Context, key, value string, ttl time.Duration) (bool, error) {
	n, err := s.scripts.acquire.Run(ctx, s.rdb, []string{key}, value, ms(ttl)).Int64()
	return n == 1, err
}

func validateName(what, v string) error {
	switch {
	case v == "":
		return fmt.Errorf("%s is empty", what)
	case len(v) > 512:
		return fmt.Errorf("%s is %d bytes, longer than 512", what, len(v))
	case hasSpaceOrControl(v):
		return fmt.Errorf("%s %q contains spaces or control characters", what, v)
	}
	return nil
}

// Lock is a held named lock.
type Lock struct {
	s     *Store
	name  string
	key   string
	token string
}

// Lock takes the named lock for ttl, or returns ErrLockHeld. The lock
// expires by itself after ttl, so a holder that dies cannot block others.
func (s *Store) Lock(ctx context.Context, name string, ttl time.Duration) (*Lock, error) {
	if err := validateName("lock name", name); err != nil {
		return nil, err
	}
	if ttl <= 0 {
		return nil, fmt.Errorf("lock %s: ttl must be positive, got %s", name, ttl)
	}
	l := &Lock{s: s, name: name, key: s.key("lock", name), token: rand.Text()}
	err := s.do(ctx, "lock "+name, func(ctx context.Context) error {
		won, err := s.acquire(ctx, l.key, l.token, ttl)
		if err == nil && !won {
			return ErrLockHeld
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// Unlock releases the lock if the caller still holds it. A lock that
// expired and was taken by someone else is left alone and ErrNotOwner
// returned; one that expired and is free is not an error.
func (l *Lock) Unlock(ctx context.Context) error {
	return l.s.compareAndDelete(ctx, "unlock "+l.name, l.key, l.token)
}

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
