package tools

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Window allows at most n requests to leave in any span of time: the rule
// AWS states as "n requests per second" read the strictest way, so a client
// that keeps it never meets a throttle however the service counts. Turns
// are handed out in the order callers ask; it is safe for concurrent use and
// small enough to keep one per account and region.
type Window struct {
	n    int
	span time.Duration

	mu   sync.Mutex
	sent []time.Time // the last n departures, given or reserved, oldest first
}

// NewWindow allows n requests (at least one) in any span.
func NewWindow(n int, span time.Duration) *Window {
	return &Window{n: max(n, 1), span: span}
}

// Wait takes the next turn and blocks until it comes. A turn whose wait is
// abandoned is not given back: the window stays on the safe side.
func (w *Window) Wait(ctx context.Context) error {
	return w.sleepUntil(ctx, w.reserve(time.Now()))
}

func (w *Window) sleepUntil(ctx context.Context, at time.Time) error {
	if deadline, ok := ctx.Deadline(); ok && at.After(deadline) {
		return fmt.Errorf("next turn at %s is after the deadline", at.Format(time.RFC3339Nano))
	}
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// reserve returns the earliest departure at or after now that keeps n in
// any span, and records it.
func (w *Window) reserve(now time.Time) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	at := now
	if len(w.sent) == w.n {
		if free := w.sent[0].Add(w.span); free.After(at) {
			at = free
		}
		w.sent = append(w.sent[:0], w.sent[1:]...)
	}
	if last := len(w.sent) - 1; last >= 0 && w.sent[last].After(at) {
		at = w.sent[last] // turns never overtake one another
	}
	w.sent = append(w.sent, at)
	return at
}

// Throttled counts the window as full from now: the service refused a
// request for its rate, so another client spends the same quota and the
// next request waits a whole span rather than guessing a backoff.
func (w *Window) Throttled() {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	for i := range w.sent {
		if w.sent[i].Before(now) {
			w.sent[i] = now
		}
	}
	for len(w.sent) < w.n {
		w.sent = append([]time.Time{now}, w.sent...)
	}
}
