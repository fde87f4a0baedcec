package tools

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestWindowNeverExceedsItsRate: concurrent callers get turns such that no
// span holds more than n departures, and the window is used to the full.
func TestWindowNeverExceedsItsRate(t *testing.T) {
	const n, span, callers, each = 2, 100 * time.Millisecond, 5, 4
	w := NewWindow(n, span)
	var wg sync.WaitGroup
	start := time.Now()
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if err := w.Wait(context.Background()); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	// 20 requests, 2 per window: the last leaves after 9 windows, not later
	// than scheduling slack allows.
	elapsed, floor := time.Since(start), time.Duration(callers*each/n-1)*span
	if elapsed < floor {
		t.Errorf("20 requests left in %s, faster than %d per %s allows (%s)", elapsed, n, span, floor)
	}
	if elapsed > floor+5*span {
		t.Errorf("20 requests took %s, floor %s: the window was not used to the full", elapsed, floor)
	}
}

// TestWindowTake: departures are counted when they happen; a late one
// pushes the next turns back with it.
func TestWindowTake(t *testing.T) {
	w := NewWindow(2, time.Second)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		at   time.Duration
		ok   bool
		free time.Duration
	}{
		{0, true, 0},
		{100 * time.Millisecond, true, 0},
		{500 * time.Millisecond, false, time.Second},                           // two in the last second
		{time.Second, true, 0},                                                 // the first left the window
		{1050 * time.Millisecond, false, 1100 * time.Millisecond},              // the second still in it
		{1700 * time.Millisecond, true, 0},                                     // a caller woken late goes now…
		{2050 * time.Millisecond, true, 0},                                     // (the one at 1 s has left)
		{2100 * time.Millisecond, false, 2*time.Second + 700*time.Millisecond}, // …and is counted when it went
	}
	for i, s := range steps {
		free, ok := w.take(t0.Add(s.at))
		if ok != s.ok || (!ok && !free.Equal(t0.Add(s.free))) {
			t.Errorf("step %d at %s: ok %v free %s, want ok %v free %s", i, s.at, ok, free.Sub(t0), s.ok, s.free)
		}
	}
}

func TestWindowThrottledWaitsAWholeSpan(t *testing.T) {
	w := NewWindow(2, time.Hour)
	now := time.Now()
	if _, ok := w.take(now); !ok {
		t.Fatal("first turn refused")
	}
	w.Throttled()
	if free, ok := w.take(time.Now()); ok || free.Before(now.Add(time.Hour)) {
		t.Errorf("after a throttle the next turn is free at %s, want a whole span later", free.Sub(now))
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
