package tools

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"
)

// LookupEventsInterval is the spacing the CloudTrail pacer keeps between
// requests. LookupEvents allows 2 requests per second per account and region,
// not adjustable; the service counts arrivals, so the client keeps a 10 %
// margin over 500 ms for the jitter between a request leaving and arriving
// (connection set-up, scheduling): three requests then always span more than
// a second where they are counted.
const LookupEventsInterval = 550 * time.Millisecond

// Pacer spaces requests per key (account and region) with a token bucket.
// One Pacer must be shared by every client that draws on the same quota,
// across triages: the limit is the account's, not a client's.
type Pacer struct {
	every time.Duration
	burst int

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

// NewPacer allows one request per every, per key, with bursts of burst.
func NewPacer(every time.Duration, burst int) *Pacer {
	return &Pacer{every: every, burst: max(burst, 1), limiters: map[string]*rate.Limiter{}}
}

// NewLookupEventsPacer is the pacer CloudTrail LookupEvents needs: 2 per
// second with no burst, so no one-second window ever holds more than two.
func NewLookupEventsPacer() *Pacer { return NewPacer(LookupEventsInterval, 1) }

// Wait blocks until a request under key may leave, or ctx is done.
func (p *Pacer) Wait(ctx context.Context, key string) error {
	p.mu.Lock()
	l, ok := p.limiters[key]
	if !ok {
		l = rate.NewLimiter(rate.Every(p.every), p.burst)
		p.limiters[key] = l
	}
	p.mu.Unlock()
	if err := l.Wait(ctx); err != nil {
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
	return next.HandleFinalize(ctx, in)
}
