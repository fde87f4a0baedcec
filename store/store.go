// Package store keeps Trailhound's shared state in Redis: alarm claims that
// make one replica triage each alarm episode, envelope claims that make one
// replica handle each Socket Mode envelope, locks, the investigation behind
// each Slack thread, replay artifacts and feedback.
//
// With no Redis URL the store runs an embedded miniredis, so a single process
// (the demo, a laptop) behaves exactly like a deployment, minus persistence
// and sharing between processes.
//
// A Redis that cannot be reached is reported as ErrUnavailable (test it with
// errors.Is). Callers are expected to treat that as "run without
// coordination and warn": a duplicate triage is better than silence.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Defaults used when an Options field is left zero.
const (
	DefaultKeyPrefix      = "trailhound:"
	DefaultCommandTimeout = 2 * time.Second
	DefaultThreadTTL      = 14 * 24 * time.Hour
	DefaultArtifactTTL    = 7 * 24 * time.Hour
	DefaultFeedbackTTL    = 90 * 24 * time.Hour
)

var (
	// ErrUnavailable marks errors caused by Redis not answering: refused or
	// dropped connections, timeouts, a closed store, or a server that is
	// loading, read-only after a failover or otherwise not serving.
	// Misconfiguration (a wrong password) and bad input are not ErrUnavailable.
	ErrUnavailable = errors.New("store unavailable")
	// ErrNotFound is returned by lookups of keys that do not exist or expired.
	ErrNotFound = errors.New("not found")
	// ErrNotOwner is returned when a lease or lock is no longer held by the
	// caller: it expired and, possibly, someone else took it.
	ErrNotOwner = errors.New("not the owner (expired or taken over)")
	// ErrLockHeld is returned by Lock when someone else holds the lock.
	ErrLockHeld = errors.New("lock held by someone else")
)

// SetClientLogger sends the Redis client's own messages (dial failures,
// which it would print to stderr) to log. It is process-wide, as the
// client's logger is: call it once at start-up.
func SetClientLogger(log *slog.Logger) { redis.SetLogger(clientLogger{log}) }

type clientLogger struct{ log *slog.Logger }

func (c clientLogger) Printf(ctx context.Context, format string, v ...any) {
	c.log.WarnContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

// Options tunes a Store. The zero value is usable.
type Options struct {
	// KeyPrefix starts every key, so several deployments can share one Redis.
	KeyPrefix string
	// CommandTimeout bounds every Redis call, dialing included.
	CommandTimeout time.Duration
	// ThreadTTL is how long a thread's investigation and an episode's thread
	// are remembered (follow-up questions, OK notifications days later).
	ThreadTTL time.Duration
	// ArtifactTTL is how long replay artifacts are kept.
	ArtifactTTL time.Duration
	// FeedbackTTL is how long feedback is kept after its last vote.
	FeedbackTTL time.Duration
	// MaxArtifactBytes caps an artifact's stored (compressed) size; larger
	// artifacts lose their largest tool payloads first. See SaveArtifact.
	MaxArtifactBytes int
	// Logger receives warnings the store cannot return (a lease renewal that
	// failed but will be retried). Nil discards them.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.KeyPrefix == "" {
		o.KeyPrefix = DefaultKeyPrefix
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = DefaultCommandTimeout
	}
	if o.ThreadTTL <= 0 {
		o.ThreadTTL = DefaultThreadTTL
	}
	if o.ArtifactTTL <= 0 {
		o.ArtifactTTL = DefaultArtifactTTL
	}
	if o.FeedbackTTL <= 0 {
		o.FeedbackTTL = DefaultFeedbackTTL
	}
	if o.MaxArtifactBytes <= 0 {
		o.MaxArtifactBytes = DefaultMaxArtifactBytes
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Store is a connection to Redis (or to an embedded miniredis it owns).
// It is safe for concurrent use.
type Store struct {
	rdb     *redis.Client
	opts    Options
	desc    string // redacted description for logs
	scripts scripts

	mini *miniredis.Miniredis // non-nil when embedded; closed by Close
	// stopClock and clockDone stop and await the embedded server's clock.
	stopClock context.CancelFunc
	clockDone chan struct{}
}

// Open connects to the Redis at rawURL (redis:// or rediss://, optionally
// with user, password and database number) and checks it answers. An empty
// rawURL starts an embedded miniredis owned by the Store.
//
// Errors never contain the URL's password.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	if rawURL == "" {
		return openEmbedded(ctx, opts, embeddedTick)
	}
	ropts, desc, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return connect(ctx, ropts, desc, nil, opts)
}

// embeddedTick is how often the embedded server's TTLs are moved forward.
// miniredis only expires keys when told time has passed; doing it on a
// ticker rather than on every command (its ClockTTL mode) keeps a command
// cheap however many keys are stored, at the cost of expiring up to one
// tick late, which no lease or window here is sensitive to.
const embeddedTick = 100 * time.Millisecond

// openEmbedded starts a miniredis owned by the Store. With tick > 0 a
// goroutine, stopped by Close, advances its TTLs with the wall clock; with
// tick == 0 time stands still until the caller calls FastForward.
func openEmbedded(ctx context.Context, opts Options, tick time.Duration) (*Store, error) {
	mini := miniredis.NewMiniRedis()
	if err := mini.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("start embedded redis: %w", err)
	}
	ropts := &redis.Options{Addr: mini.Addr()}
	s, err := connect(ctx, ropts, "embedded miniredis at "+mini.Addr(), mini, opts)
	if err != nil {
		mini.Close()
		return nil, err
	}
	if tick > 0 {
		clockCtx, stop := context.WithCancel(context.Background())
		s.stopClock = stop
		s.clockDone = make(chan struct{})
		go s.runClock(clockCtx, tick)
	}
	return s, nil
}

// runClock expires the embedded server's keys as wall-clock time passes.
func (s *Store) runClock(ctx context.Context, tick time.Duration) {
	defer close(s.clockDone)
	t := time.NewTicker(tick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			s.mini.FastForward(now.Sub(last))
			last = now
		}
	}
}

// parseURL turns a Redis URL into client options and a description safe to
// log.
func parseURL(rawURL string) (*redis.Options, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// A url.Error quotes the whole URL, password included: keep only
		// the reason.
		reason := "malformed"
		var uerr *url.Error
		if errors.As(err, &uerr) {
			reason = uerr.Err.Error()
		}
		return nil, "", fmt.Errorf("invalid Redis URL (want redis://[user:password@]host:port/db): %s", reason)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, "", fmt.Errorf("invalid Redis URL %s: scheme must be redis or rediss, got %q", u.Redacted(), u.Scheme)
	}
	if u.Host == "" {
		return nil, "", fmt.Errorf("invalid Redis URL %s: no host", u.Redacted())
	}
	// The description leaves out the query: options are not secrets by
	// design, but nothing stops someone from putting one there.
	shown := *u
	shown.RawQuery, shown.Fragment = "", ""
	ropts, err := redis.ParseURL(rawURL)
	if err != nil {
		// go-redis names the offending path or option, never the user info.
		return nil, "", fmt.Errorf("invalid Redis URL %s: %w", shown.Redacted(), err)
	}
	return ropts, shown.Redacted(), nil
}

func connect(ctx context.Context, ropts *redis.Options, desc string, mini *miniredis.Miniredis, opts Options) (*Store, error) {
	ropts.DialTimeout = opts.CommandTimeout
	ropts.ReadTimeout = opts.CommandTimeout
	ropts.WriteTimeout = opts.CommandTimeout
	ropts.PoolTimeout = opts.CommandTimeout
	ropts.ContextTimeoutEnabled = true
	// Fail fast when Redis is down: the caller's fallback (triage without
	// coordination) beats waiting. One command retry still covers a pooled
	// connection that died with a server restart.
	ropts.DialerRetries = 1
	ropts.MaxRetries = 1
	// Maintenance notifications are a managed-Redis failover feature with
	// its own background handling; plain request/response is all we need.
	ropts.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	s := &Store{
		rdb:     redis.NewClient(ropts),
		mini:    mini,
		opts:    opts,
		desc:    desc,
		scripts: newScripts(),
	}
	if err := s.Ping(ctx); err != nil {
		_ = s.rdb.Close()
		return nil, fmt.Errorf("open store %s: %w", desc, err)
	}
	return s, nil
}

// String describes the store without secrets.
func (s *Store) String() string {
	return s.desc + " (key prefix " + s.opts.KeyPrefix + ")"
}

// Embedded reports whether the store runs its own miniredis, which other
// processes cannot share: replicas would not see each other's claims.
func (s *Store) Embedded() bool { return s.mini != nil }

// Close releases the connection pool and stops the embedded server, if any.
func (s *Store) Close() error {
	if s.stopClock != nil {
		s.stopClock()
		<-s.clockDone
	}
	err := s.rdb.Close()
	if s.mini != nil {
		s.mini.Close()
	}
	if err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.do(ctx, "ping", func(ctx context.Context) error {
		return s.rdb.Ping(ctx).Err()
	})
}

// do runs one Redis exchange under the command timeout and classifies its error.
func (s *Store) do(ctx context.Context, op string, fn func(context.Context) error) error {
	cctx, cancel := context.WithTimeout(ctx, s.opts.CommandTimeout)
	defer cancel()
	err := fn(cctx)
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrNotOwner) || errors.Is(err, ErrLockHeld) {
		return fmt.Errorf("%s: %w", op, err)
	}
	if ctx.Err() != nil {
		// The caller gave up; that says nothing about Redis.
		return fmt.Errorf("%s: %w", op, ctx.Err())
	}
	if unavailable(err) {
		return fmt.Errorf("%s: %w: %w", op, ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// unavailable tells transport failures and not-serving states from real
// command errors.
func unavailable(err error) bool {
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, redis.ErrClosed),
		errors.Is(err, redis.ErrPoolTimeout),
		errors.Is(err, redis.ErrPoolExhausted),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.As(err, &netErr):
		return true
	}
	return redis.IsLoadingError(err) || redis.IsReadOnlyError(err) ||
		redis.IsMasterDownError(err) || redis.IsClusterDownError(err) ||
		redis.IsTryAgainError(err) || redis.IsMaxClientsError(err) ||
		redis.HasErrorPrefix(err, "BUSY")
}

// key builds a namespaced key.
func (s *Store) key(parts ...string) string {
	return s.opts.KeyPrefix + strings.Join(parts, ":")
}

// ms converts a duration to whole milliseconds for PX/PEXPIRE, never below 1.
func ms(d time.Duration) int64 {
	return max(d.Milliseconds(), 1)
}

// KeySafe encodes s (an alarm ARN, a once-only id) for a key: alarm names
// may hold spaces, control characters and braces, which keys refuse or, for
// braces, would read as a hash tag. The encoding is injective ('%' is
// encoded too), so every replica derives the same key from the same name
// and two names never share one.
func KeySafe(s string) string {
	var sb strings.Builder
	for _, r := range s {
		switch {
		case r == '%' || r == '{' || r == '}' || r <= ' ' || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == '\u00a0':
			for _, c := range []byte(string(r)) {
				fmt.Fprintf(&sb, "%%%02X", c)
			}
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}
