package main

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/engine"
	"github.com/trailhound/trailhound/investigation/intake"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/tools"
)

// windowTrail records the widest span any lookup asked about.
type windowTrail struct {
	next investigation.Trail
	mu   sync.Mutex
	asks []investigation.Lookup
}

func (w *windowTrail) Lookup(ctx context.Context, q investigation.Lookup) (investigation.LookupResult, error) {
	w.mu.Lock()
	w.asks = append(w.asks, q)
	w.mu.Unlock()
	return w.next.Lookup(ctx, q)
}

// Every lookup a triage of a corpus scenario makes lies within the window
// its trail is read in, so dropping the records outside changes no answer.
func TestTriageLooksWithinTrailWindow(t *testing.T) {
	dirs, err := os.ReadDir(corpus)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range dirs {
		dir := filepath.Join(corpus, d.Name())
		if _, err := os.Stat(filepath.Join(dir, "scenario.json")); err != nil {
			continue
		}
		sc, err := scenario.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		alarm, err := intake.Parse(sc.Alarm)
		if err != nil {
			t.Fatal(err)
		}
		ft, err := tools.OpenFileTrail(sc.TrailIn)
		if err != nil {
			t.Fatal(err)
		}
		trail := &windowTrail{next: ft}
		if _, err := triageOver(context.Background(), sc, alarm, trail); err != nil {
			t.Fatalf("%s: %v", d.Name(), err)
		}
		w := engine.TrailWindow(alarm.StateChangeTime)
		for _, q := range trail.asks {
			if q.Start.Before(w.Start) || q.End.IsZero() || q.End.After(w.End) {
				t.Errorf("%s: lookup %s=%s over %v – %v, outside the trail window %v", d.Name(), q.Key, q.Value, q.Start, q.End, w)
			}
		}
		n += len(trail.asks)
	}
	if n < 100 {
		t.Errorf("only %d lookups made over the corpus", n)
	}
}
