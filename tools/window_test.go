package tools

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestWindowNeverExceedsItsRate: concurrent callers get turns such that no
// span holds more than n departures, and the window is used to the full.
func TestWindowNeverExceedsItsRate(t *testing.T) {
	const n, span, callers, each = 2, 80 * time.Millisecond, 5, 4
	w := NewWindow(n, span)
	var mu sync.Mutex
	var turns []time.Time
	var wg sync.WaitGroup
	start := time.Now()
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				// The turns given, not the moments a loaded machine wakes
				// the callers: the margin over the span absorbs those.
				at := w.reserve(time.Now())
				if err := w.sleepUntil(context.Background(), at); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				turns = append(turns, at)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.SortFunc(turns, func(a, b time.Time) int { return a.Compare(b) })
	for i := n; i < len(turns); i++ {
		if d := turns[i].Sub(turns[i-n]); d < span {
			t.Fatalf("turns %d and %d only %s apart: more than %d in %s", i-n, i, d, n, span)
		}
	}
	// 20 requests, 2 per window: the last leaves after 9 windows, not later
	// than scheduling slack allows.
	if elapsed, floor := time.Since(start), time.Duration(callers*each/n-1)*span; elapsed > floor+3*span {
		t.Errorf("20 requests took %s, floor %s: the window was not used to the full", elapsed, floor)
	}
}

func TestWindowThrottledWaitsAWholeSpan(t *testing.T) {
	w := NewWindow(2, time.Hour)
	now := time.Now()
	if at := w.reserve(now); !at.Equal(now) {
		t.Fatalf("first turn at %s, want now", at)
	}
	w.Throttled()
	if at := w.reserve(now); at.Before(now.Add(time.Hour)) {
		t.Errorf("after a throttle the next turn is at %s, want a whole span later", at.Sub(now))
	}
}

func TestWindowRefusesATurnAfterTheDeadline(t *testing.T) {
	w := NewWindow(1, time.Hour)
	if err := w.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := w.Wait(ctx); err == nil {
		t.Error("a turn an hour away was granted under a 10 ms deadline")
	}
}
