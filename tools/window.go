package tools

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Window allows at most n requests to leave in any span of time: the rule
// AWS states as "n requests per second" read the strictest way, so a client
// that keeps it never meets a throttle however the service counts. A
// departure is stamped when its caller is running and about to send, never
// planned ahead: on a loaded machine a caller woken late must not find its
// planned turn already spent by those behind it. Safe for concurrent use,
// and small enough to keep one per account and region.
type Window struct {
	n    int
	span time.Duration

	mu   sync.Mutex
	sent []time.Time // departures of the last span, oldest first (at most n)
}

// NewWindow allows n requests (at least one) in any span.
func NewWindow(n int, span time.Duration) *Window {
	return &Window{n: max(n, 1), span: span}
}

// Wait blocks until a request may leave and counts it as gone.
func (w *Window) Wait(ctx context.Context) error {
	for {
		free, ok := w.take(time.Now())
		if ok {
			return nil
		}
		if deadline, has := ctx.Deadline(); has && free.After(deadline) {
			return fmt.Errorf("next turn at %s is after the deadline", free.Format(time.RFC3339Nano))
		}
		t := time.NewTimer(time.Until(free))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// take counts a departure at now if the window has room; otherwise it says
// when the oldest departure leaves the window.
func (w *Window) take(now time.Time) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for len(w.sent) > 0 && !now.Before(w.sent[0].Add(w.span)) {
		w.sent = w.sent[1:]
	}
	if len(w.sent) < w.n {
		w.sent = append(w.sent, now)
		return now, true
	}
	return w.sent[0].Add(w.span), false
}

// Throttled counts the window as full from now: the service refused a
// request for its rate, so another client spends the same quota and the
// next request waits a whole span rather than guessing a backoff.
func (w *Window) Throttled() {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	w.sent = w.sent[:0]
	for range w.n {
		w.sent = append(w.sent, now)
	}
}
