package engine

import (
	"container/heap"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// waitingTopology reads dependencies from deps, but reading those of a
// resource named in after waits until the trail was asked for the named
// lookup: it fails when the triage reads its dependencies and its lookups
// one after the other.
type waitingTopology struct {
	deps  fakeTopology
	trail *fakeTrail
	after map[string]string // resource id → lookup value that must come first
}

// overlapWait bounds how long the topology waits for a lookup before it
// says the two did not overlap.
const overlapWait = 5 * time.Second

func (w waitingTopology) Dependencies(ctx context.Context, r investigation.Resource) ([]investigation.Dependency, error) {
	if value, ok := w.after[r.ID]; ok {
		deadline := time.Now().Add(overlapWait)
		for !w.trail.asked(value) {
			if time.Now().After(deadline) {
				return nil, errors.New("lookup of " + value + " never started while the dependencies were read")
			}
			time.Sleep(time.Millisecond)
		}
	}
	return w.deps.Dependencies(ctx, r)
}

func (f *fakeTrail) asked(value string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.ContainsFunc(f.queries, func(q investigation.Lookup) bool { return q.Value == value })
}

func TestLookupsRunWhileDependenciesAreRead(t *testing.T) {
	trail := &fakeTrail{}
	topo := waitingTopology{trail: trail,
		deps: fakeTopology{
			"checkout":      {dep(investigation.TypeIAMRole, "checkout-role", "Is associated with"), dep(investigation.TypeSecurityGroup, "sg-0abc", "Is associated with")},
			"checkout-role": {},
			"sg-0abc":       {},
		},
		// The function's own lookup runs beside the whole dependency walk;
		// the role's once the role is read and nothing stronger is queued.
		after: map[string]string{"checkout-role": "checkout", "sg-0abc": "checkout-role"},
	}
	e := &Engine{Trail: trail, Topology: topo}
	rep, err := e.Triage(context.Background(), lambdaAlarm("us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	noNoteOf(t, rep.Notes, "never started", "lookups waited for the dependency walk")
}

func TestStreamedWalkSpendsTheBudgetStrongestFirst(t *testing.T) {
	cases := []struct {
		name   string
		topo   fakeTopology
		looked []string
		cut    string
	}{
		{
			name: "a dependency found later is stronger than one found earlier",
			topo: fakeTopology{
				"checkout":      {dep("AWS::EC2::Subnet", "subnet-1", "Is associated with"), dep(investigation.TypeIAMRole, "checkout-role", "Is associated with")},
				"checkout-role": {dep(investigation.TypeIAMPolicy, "arn:aws:iam::123456789012:policy/orders", "Is associated with")},
			},
			looked: []string{"checkout", "checkout-role", "arn:aws:iam::123456789012:policy/orders"},
			cut:    "subnet-1",
		},
		{
			name: "the weaker found later waits for the stronger",
			topo: fakeTopology{
				"checkout": {dep("AWS::EC2::Subnet", "subnet-1", "Is associated with"), dep(investigation.TypeIAMRole, "checkout-role", "Is associated with")},
				"subnet-1": {dep("AWS::EC2::RouteTable", "rtb-1", "Is associated with")},
			},
			looked: []string{"checkout", "checkout-role", "subnet-1"},
			cut:    "rtb-1",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			trail := &fakeTrail{}
			e := &Engine{Trail: trail, Topology: c.topo, Limits: Limits{MaxDependencyLookups: 2}}
			rep, err := e.Triage(context.Background(), lambdaAlarm("us-east-1"))
			if err != nil {
				t.Fatal(err)
			}
			var looked []string
			for _, q := range trail.queries {
				if q.Key == investigation.AttrResourceName && q.Start.Equal(symptom.Add(-Layer2Window)) || q.Value == "checkout" {
					looked = append(looked, q.Value)
				}
			}
			slices.Sort(looked)
			want := slices.Clone(c.looked)
			slices.Sort(want)
			if !slices.Equal(slices.Compact(looked), want) {
				t.Errorf("looked up %v, want %v", looked, want)
			}
			note := "dependency lookup budget of 2 queries spent"
			i := slices.IndexFunc(rep.Notes, func(n string) bool { return strings.Contains(n, note) })
			if i < 0 || !strings.Contains(rep.Notes[i], c.cut) {
				t.Errorf("no note that %s was cut by the budget: %q", c.cut, rep.Notes)
			}
		})
	}
}

func TestSettledHeadOfTheWalk(t *testing.T) {
	target := func(id string, layer int, strength float64) *scoped {
		return &scoped{Resource: investigation.Resource{ID: id}, Layer: layer, Strength: strength}
	}
	a, b := target("a", 1, 1), target("b", 1, 1)
	logs := target("/aws/lambda/a", 2, 0.1)
	roleRead, roleQueued := target("role", 2, 0.95), target("role", 2, 0.95)
	subnet := target("subnet", 2, 0.6)
	cases := []struct {
		name    string
		targets []*scoped
		queued  []*scoped
		want    []string
	}{
		{"nothing read yet", []*scoped{a, roleQueued, subnet}, []*scoped{roleQueued, subnet}, nil},
		{"a read dependency stronger than all queued", []*scoped{a, roleRead, subnet}, []*scoped{subnet}, []string{"role"}},
		{"a queued resource comes first", []*scoped{a, subnet, roleQueued}, []*scoped{roleQueued}, nil},
		// b, still queued, may find dependencies stronger than the log group.
		{"an unread weak dependency waits for the stronger queued", []*scoped{a, b, logs}, []*scoped{b}, nil},
		{"all read", []*scoped{a, roleRead, logs}, nil, []string{"role", "/aws/lambda/a"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := walkQueue{}
			queued := map[*scoped]bool{}
			for i, s := range c.queued {
				heap.Push(&q, walkItem{s: s, order: i})
				queued[s] = true
			}
			var got []string
			for _, s := range settled(c.targets, q, queued) {
				got = append(got, s.ID)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("settled %v, want %v", got, c.want)
			}
		})
	}
}

// historyFirstTrail answers from trail, but holds layer 1's lookup of the
// alarm's resource until the lookup further back was asked for: a triage
// that waits for layer 1 before deciding the history lookups gets an error
// for it instead, after overlapWait.
type historyFirstTrail struct{ *fakeTrail }

func (h historyFirstTrail) Lookup(ctx context.Context, q investigation.Lookup) (investigation.LookupResult, error) {
	if q.Start.Equal(symptom.Add(-Layer1Window)) {
		deadline := time.Now().Add(overlapWait)
		for !h.askedBefore(symptom.Add(-Layer1Window)) {
			if time.Now().After(deadline) {
				return investigation.LookupResult{}, errors.New("history lookup waited for layer 1")
			}
			time.Sleep(time.Millisecond)
		}
	}
	return h.fakeTrail.Lookup(ctx, q)
}

func (f *fakeTrail) askedBefore(end time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.ContainsFunc(f.queries, func(q investigation.Lookup) bool { return q.End.Equal(end) })
}

// TestSaturationReadsHistoryWithLayer1: a saturated metric decides the
// lookups further back by itself, so they go out with layer 1's; an error
// metric waits for layer 1 and the logs, and reads no history here.
func TestSaturationReadsHistoryWithLayer1(t *testing.T) {
	alarm := lambdaAlarm("us-east-1")
	alarm.Metrics[0].Name = "Throttles"
	trail := historyFirstTrail{&fakeTrail{}}
	rep, err := (&Engine{Trail: trail, Topology: checkoutTopology}).Triage(context.Background(), alarm)
	if err != nil {
		t.Fatal(err)
	}
	noNoteOf(t, rep.Notes, "waited for layer 1", "the history lookup waited for layer 1")
	if !trail.askedBefore(symptom.Add(-Layer1Window)) {
		t.Error("no history lookup for a saturated metric")
	}

	errorsOnly := &fakeTrail{}
	if _, err := (&Engine{Trail: errorsOnly, Topology: checkoutTopology}).Triage(context.Background(), lambdaAlarm("us-east-1")); err != nil {
		t.Fatal(err)
	}
	if errorsOnly.askedBefore(symptom.Add(-Layer1Window)) {
		t.Error("a history lookup for an error metric with no limit change and no saturation in the logs")
	}
}

// noNoteOf fails the test with failure for each note holding marker: the
// fakes that hold reads or lookups together report a call that went alone
// as an error, which the triage keeps as a note.
func noNoteOf(t *testing.T, notes []string, marker, failure string) {
	t.Helper()
	for _, n := range notes {
		if strings.Contains(n, marker) {
			t.Errorf("%s: %s", failure, n)
		}
	}
}
