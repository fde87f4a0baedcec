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
)

// Claim timings for callers that pass zero: a lease short enough that a
// dead replica's episode is taken over well within a minute, and a dedup
// window that outlasts the redeliveries of one transition.
const (
	DefaultLease       = 45 * time.Second
	DefaultDedupWindow = time.Hour
	DefaultEnvelopeTTL = 10 * time.Minute
)

// Claim value prefixes: a running claim holds "run:<token>", a finished one
// "done:<token>", so one GET tells the state and the owner apart.
const (
	runPrefix  = "run:"
	donePrefix = "done:"
)

// Episode names one ALARM episode of an alarm. The caller derives it from
// the state change; the store needs only that it holds no ':' or spaces and
// that later episodes sort after earlier ones as strings, which the latest
// thread relies on.
type Episode string

// AlarmKey names one episode of one alarm. AlarmARN must already be safe
// for a key (KeySafe).
type AlarmKey struct {
	Account  string
	Region   string
	AlarmARN string
	Episode  Episode
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

// ClaimAlarm claims the episode for owner, which names one claimant (a
// replica and the job within it). Exactly one caller wins until the lease
// runs out or the winner releases it; after Complete, callers get
// ClaimDone until the dedup window ends. A claim already running under the
// same owner is won again: a retry of a call whose reply was lost (a Redis
// that stalled past the command timeout) finds its own claim rather than
// a rival's, so owners must not be shared between claimants.
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
	case strings.HasPrefix(value, runPrefix) && ownerOf(strings.TrimPrefix(value, runPrefix)) == owner:
		held := strings.TrimPrefix(value, runPrefix)
		c.State, c.Owner = ClaimWon, owner
		c.Lease = &Lease{s: s, key: key, token: held, lease: lease}
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
