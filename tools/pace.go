package tools

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"
)

// LookupEvents allows 2 requests in each second per account and region, not
// adjustable. The service counts arrivals; the client counts departures, so
// it keeps every window LookupEventsMargin wider than a second for the
// jitter between a request leaving and arriving (scheduling, connection
// reuse): two requests may leave together, the third a second and a margin
// after the first.
const (
	LookupEventsPerWindow = 2
	LookupEventsWindow    = time.Second
	LookupEventsMargin    = 50 * time.Millisecond
)

// limiter holds a request until it may leave.
type limiter interface {
	Wait(ctx context.Context) error
}

// Pacer holds requests per key (account and region) to a rate. One Pacer
// must be shared by every client that draws on the same quota, across
// triages: the limit is the account's, not a client's.
type Pacer struct {
	newLimiter func() limiter
	// windowed pacers learn from a throttle and hold the retry themselves
	windowed bool

	mu       sync.Mutex
	limiters map[string]limiter
}

// NewPacer allows one request per every, per key, with bursts of burst.
func NewPacer(every time.Duration, burst int) *Pacer {
	return &Pacer{
		newLimiter: func() limiter { return rate.NewLimiter(rate.Every(every), max(burst, 1)) },
		limiters:   map[string]limiter{},
	}
}

// NewWindowPacer allows, per key, n requests in any span.
func NewWindowPacer(n int, span time.Duration) *Pacer {
	return &Pacer{newLimiter: func() limiter { return NewWindow(n, span) }, windowed: true, limiters: map[string]limiter{}}
}

// NewLookupEventsPacer is the pacer CloudTrail LookupEvents needs: its own
// rule, 2 in each second, with the margin.
func NewLookupEventsPacer() *Pacer {
	return NewWindowPacer(LookupEventsPerWindow, LookupEventsWindow+LookupEventsMargin)
}

func (p *Pacer) limiter(key string) limiter {
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok := p.limiters[key]
	if !ok {
		l = p.newLimiter()
		p.limiters[key] = l
	}
	return l
}

// Wait blocks until a request under key may leave, or ctx is done.
func (p *Pacer) Wait(ctx context.Context, key string) error {
	if err := p.limiter(key).Wait(ctx); err != nil {
		if ctx.Err() == nil {
			// The limiter refuses at once when the turn would come after
			// the deadline: that is a timeout, reported as one.
			err = fmt.Errorf("turn after the deadline: %w", context.DeadlineExceeded)
		}
		// A request that never left is canceled, not failed: the SDK's
		// retryer must not try it again.
		return &aws.RequestCanceledError{Err: fmt.Errorf("wait for the %s request pace: %w", key, err)}
	}
	return nil
}

// throttled tells key's limiter the service refused a request for its rate:
// someone else draws on the quota too.
func (p *Pacer) throttled(key string) {
	if w, ok := p.limiter(key).(*Window); ok {
		w.Throttled()
	}
}

// APIOption returns the SDK stack option that paces every request of a client
// under key. It sits in the Finalize step right after the SDK's retry loop,
// so each attempt, retries included, waits its turn, and the signature is
// computed after the wait.
func (p *Pacer) APIOption(key string) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Finalize.Insert(pacing{p: p, key: key}, "Retry", middleware.After)
	}
}

type pacing struct {
	p   *Pacer
	key string
}

func (pacing) ID() string { return "TrailhoundPacing" }

func (m pacing) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
	middleware.FinalizeOutput, middleware.Metadata, error,
) {
	if err := m.p.Wait(ctx, m.key); err != nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, err
	}
	out, md, err := next.HandleFinalize(ctx, in)
	if err != nil && retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary {
		m.p.throttled(m.key)
	}
	return out, md, err
}

// windowRetryer retries a throttled request without a backoff of its own:
// the pacer holds the retry until the window has room, which is exactly as
// long as the service needs. Other errors back off as the SDK decides.
type windowRetryer struct{ aws.RetryerV2 }

func (r windowRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary {
		return 0, nil
	}
	return r.RetryerV2.RetryDelay(attempt, err)
}

// Retryer wraps a client's retryer so throttled retries wait for the
// pacer's window instead of a backoff; a pacer without windows leaves the
// backoff to the retryer.
func (p *Pacer) Retryer(r aws.Retryer) aws.Retryer {
	if v2, ok := r.(aws.RetryerV2); ok && p.windowed {
		return windowRetryer{v2}
	}
	return r
}
