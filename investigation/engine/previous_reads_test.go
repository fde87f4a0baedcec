package engine

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// inFlightGate holds each call it is given until want of them are in
// flight, or overlapWait passes, and records the most it held at once: a
// triage that makes the calls one after another meets the wait on each.
type inFlightGate struct {
	want int

	mu       sync.Mutex
	inFlight int
	peak     int
	opened   bool // reached is closed: want were in flight once
	reached  chan struct{}
}

func newInFlightGate(want int) *inFlightGate {
	return &inFlightGate{want: want, reached: make(chan struct{})}
}

// hold waits with the call it is given; false means the call went alone.
func (g *inFlightGate) hold() bool {
	g.mu.Lock()
	g.inFlight++
	g.peak = max(g.peak, g.inFlight)
	if g.inFlight == g.want && !g.opened {
		g.opened = true
		close(g.reached)
	}
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.inFlight--
		g.mu.Unlock()
	}()
	select {
	case <-g.reached:
		return true
	case <-time.After(overlapWait):
		return false
	}
}

func (g *inFlightGate) peakInFlight() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.peak
}

// gatedTrail holds the lookups gate selects at its inFlightGate.
type gatedTrail struct {
	*fakeTrail
	*inFlightGate
	gate func(investigation.Lookup) bool
}

func newGatedTrail(events []investigation.Event, want int, gate func(investigation.Lookup) bool) *gatedTrail {
	return &gatedTrail{fakeTrail: &fakeTrail{events: events}, inFlightGate: newInFlightGate(want), gate: gate}
}

func (g *gatedTrail) Lookup(ctx context.Context, q investigation.Lookup) (investigation.LookupResult, error) {
	if g.gate(q) {
		g.hold()
	}
	return g.fakeTrail.Lookup(ctx, q)
}

// priorLookup selects the lookups further back than the walk for the call
// before a candidate's change.
func priorLookup(q investigation.Lookup) bool { return q.End.Sub(q.Start) > HistoryWindow }

// TestPreviousLookupsRunTogether: the lookups for the calls before two
// candidates' changes are in flight at once, and the report is the one the
// same trail gives when each lookup answers at once.
func TestPreviousLookupsRunTogether(t *testing.T) {
	events := []investigation.Event{
		ev("timeout", "lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", at(8), "eu-west-1", fn("checkout"),
			params(`{"functionName":"checkout","timeout":3}`)),
		ev("concurrency", "lambda.amazonaws.com", "PutFunctionConcurrency20171031", at(12), "eu-west-1", fn("checkout"),
			params(`{"functionName":"checkout","reservedConcurrentExecutions":0}`)),
	}
	triage := func(trail investigation.Trail) *investigation.Report {
		eng := &Engine{Trail: trail, Now: func() time.Time { return symptom.Add(time.Minute) }}
		rep, err := eng.Triage(context.Background(), lambdaAlarm("eu-west-1"))
		if err != nil {
			t.Fatal(err)
		}
		rep.Stats.DurationMS = 0
		return rep
	}
	gated := newGatedTrail(events, 2, priorLookup)
	got := triage(gated)
	if len(got.Candidates) < 2 {
		t.Fatalf("%d candidates, want both changes", len(got.Candidates))
	}
	if p := gated.peakInFlight(); p != 2 {
		t.Errorf("at most %d lookups before the changes in flight, want both at once", p)
	}
	if want := triage(&fakeTrail{events: events}); !reflect.DeepEqual(got, want) {
		t.Errorf("the report depends on the lookups' timing:\n%+v\nwant\n%+v", got, want)
	}
}

// TestHistoryReadBesideLayer2: the longer lookup back on the alarm's own
// resource starts while layer 2's lookups still run.
func TestHistoryReadBesideLayer2(t *testing.T) {
	history := func(q investigation.Lookup) bool {
		return q.Start.Equal(symptom.Add(-HistoryWindow)) && q.End.Equal(symptom.Add(-Layer1Window))
	}
	role := func(q investigation.Lookup) bool { return q.Value == "checkout-role" }
	// The role's lookup and the history's are held until both are in flight.
	trail := newGatedTrail(nil, 2, func(q investigation.Lookup) bool { return history(q) || role(q) })
	a := lambdaAlarm("eu-west-1")
	a.Metrics[0].Name = "Duration" // saturation: the history is read
	eng := &Engine{Trail: trail, Topology: checkoutTopology, Now: func() time.Time { return symptom.Add(time.Minute) }}
	if _, err := eng.Triage(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if p := trail.peakInFlight(); p != 2 {
		t.Errorf("the history lookup waited for layer 2's (%d in flight at most)", p)
	}
}

// kmsDisabled are error lines of a disabled key: they call for the lookups
// of the key's delayed kinds of change and of those of the KMS class.
func kmsDisabled() fakeLogs {
	var lines []investigation.LogLine
	for i := range 5 {
		lines = append(lines, investigation.LogLine{Time: at(float64(4 - i)), Message: "ERROR KMS.DisabledException: key is disabled (calling the kms:Decrypt operation)"})
	}
	return fakeLogs{"/aws/lambda/checkout": lines}
}

// TestEvidenceLookupsRunTogether: the lookups by event name the errors call
// for are in flight at once, those of one stage and those of the next.
func TestEvidenceLookupsRunTogether(t *testing.T) {
	byClass := func(q investigation.Lookup) bool {
		return q.Key == investigation.AttrEventName && q.Start.Equal(symptom.Add(-Layer2Window))
	}
	cases := []struct {
		name string
		gate func(investigation.Lookup) bool
	}{
		{"the error class's", byClass},
		{"a delayed kind's and the error class's", func(q investigation.Lookup) bool {
			return q.Value == "ScheduleKeyDeletion" || (byClass(q) && q.Value == "DisableKey")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			trail := newGatedTrail(nil, 2, c.gate)
			eng := &Engine{Trail: trail, Logs: kmsDisabled(), Now: func() time.Time { return symptom.Add(time.Minute) }}
			if _, err := eng.Triage(context.Background(), lambdaAlarm("eu-west-1")); err != nil {
				t.Fatal(err)
			}
			var looked int
			for _, q := range trail.queries {
				if c.gate(q) {
					looked++
				}
			}
			if looked < 2 {
				t.Fatalf("%d lookups selected, want several", looked)
			}
			if p := trail.peakInFlight(); p < 2 {
				t.Errorf("at most %d of the selected lookups in flight, want them at once", p)
			}
		})
	}
}

// waitingLogs answers once the trail was asked for the history lookup, or
// after overlapWait.
type waitingLogs struct {
	trail  *gatedTrail
	waited bool
}

func (w *waitingLogs) Errors(context.Context, string, time.Time, time.Time, int) ([]investigation.LogLine, error) {
	deadline := time.Now().Add(overlapWait)
	for !w.trail.asked("checkout") || len(w.trail.historyQueries()) == 0 {
		if time.Now().After(deadline) {
			w.waited = true
			break
		}
		time.Sleep(time.Millisecond)
	}
	return nil, nil
}

func (g *gatedTrail) historyQueries() []investigation.Lookup {
	g.fakeTrail.mu.Lock()
	defer g.fakeTrail.mu.Unlock()
	var out []investigation.Lookup
	for _, q := range g.fakeTrail.queries {
		if q.End.Equal(symptom.Add(-Layer1Window)) {
			out = append(out, q)
		}
	}
	return out
}

// TestHistoryDoesNotWaitForTheLogs: when the metric says saturation, the
// history lookup starts without waiting for the logs.
func TestHistoryDoesNotWaitForTheLogs(t *testing.T) {
	trail := newGatedTrail(nil, 1, func(investigation.Lookup) bool { return false })
	logs := &waitingLogs{trail: trail}
	a := lambdaAlarm("eu-west-1")
	a.Metrics[0].Name = "Duration"
	eng := &Engine{Trail: trail, Logs: logs, Now: func() time.Time { return symptom.Add(time.Minute) }}
	if _, err := eng.Triage(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if logs.waited || len(trail.historyQueries()) != 1 {
		t.Errorf("the history lookup waited for the logs (%d history lookups)", len(trail.historyQueries()))
	}
}

// noTrails is an account whose trails were all deleted.
type noTrails struct{}

func (noTrails) Trails(context.Context, string, string) ([]investigation.TrailConfig, error) {
	return []investigation.TrailConfig{}, nil
}

// TestSetupLookupBesideEvidence: the lookup of the changes to the trail
// setup runs while the evidence lookups do.
func TestSetupLookupBesideEvidence(t *testing.T) {
	gate := func(q investigation.Lookup) bool {
		return q.Key == investigation.AttrEventSource || (q.Key == investigation.AttrEventName && q.Value == "DisableKey")
	}
	trail := newGatedTrail(nil, 2, gate)
	eng := &Engine{Trail: trail, Logs: kmsDisabled(), Coverage: noTrails{}, Now: func() time.Time { return symptom.Add(time.Minute) }}
	rep, err := eng.Triage(context.Background(), lambdaAlarm("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.CoverageGaps) == 0 {
		t.Fatal("no coverage gap stated for an account without trails")
	}
	if p := trail.peakInFlight(); p != 2 {
		t.Errorf("the trail setup's lookup and the evidence's were not in flight together (%d at most)", p)
	}
}
