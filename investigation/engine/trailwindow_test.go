package engine

import (
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation/catalogue"
)

// The first lookups of a triage reach no further back than the retention
// TrailWindow counts on.
func TestTrailWindowCoversFirstLookups(t *testing.T) {
	for name, back := range map[string]time.Duration{"Layer1Window": Layer1Window, "Layer2Window": Layer2Window, "HistoryWindow": HistoryWindow} {
		if back > EventHistoryRetention {
			t.Errorf("%s reaches beyond EventHistoryRetention", name)
		}
	}
	for _, k := range catalogue.DelayedKinds() {
		for _, lowered := range []bool{false, true} {
			if d, ok := catalogue.DelayOf(k, lowered); ok && d.LookBack > EventHistoryRetention {
				t.Errorf("%s:%s looks back %v, beyond EventHistoryRetention", k.Source, k.Name, d.LookBack)
			}
		}
	}
	w := TrailWindow(symptom)
	if !w.End.Equal(symptom) || symptom.Sub(w.Start) != EventHistoryRetention+priorLookback {
		t.Errorf("TrailWindow(%v) = %v", symptom, w)
	}
}
