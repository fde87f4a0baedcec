package engine

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// gatedTopology answers from deps, but holds the read of each resource
// named in together until all of them are in flight: a walk that reads
// siblings one after another gets an error for them instead.
type gatedTopology struct {
	deps     fakeTopology
	together map[string]bool
	gate     *inFlightGate
}

func (g gatedTopology) Dependencies(ctx context.Context, r investigation.Resource) ([]investigation.Dependency, error) {
	if g.together[r.ID] && !g.gate.hold() {
		return nil, errors.New("read alone: its siblings were read one after another")
	}
	return g.deps.Dependencies(ctx, r)
}

// slowTopology answers from deps after the delay named for the resource.
type slowTopology struct {
	deps  fakeTopology
	delay map[string]time.Duration
}

func (s slowTopology) Dependencies(ctx context.Context, r investigation.Resource) ([]investigation.Dependency, error) {
	time.Sleep(s.delay[r.ID])
	return s.deps.Dependencies(ctx, r)
}

// siblingTopology is a function with four dependencies of different
// strengths, each with one of its own.
var siblingTopology = fakeTopology{
	"checkout": {
		dep("AWS::EC2::Subnet", "subnet-1", "Is associated with"),
		dep(investigation.TypeIAMRole, "checkout-role", "Is associated with"),
		dep(investigation.TypeSecurityGroup, "sg-0abc", "Is associated with"),
		dep(investigation.TypeDynamoDBTable, "orders", "Is associated with"),
	},
	"checkout-role": {dep(investigation.TypeIAMPolicy, "arn:aws:iam::123456789012:policy/orders", "Is associated with")},
	"sg-0abc":       {dep("AWS::EC2::VPC", "vpc-1", "Is contained in")},
	"subnet-1":      {dep("AWS::EC2::RouteTable", "rtb-1", "Is associated with")},
	"orders":        {dep(investigation.TypeKMSKey, "key-1", "Is associated with")},
}

func TestSiblingDependenciesReadTogether(t *testing.T) {
	together := map[string]bool{"checkout-role": true, "sg-0abc": true, "subnet-1": true, "orders": true}
	topo := gatedTopology{deps: siblingTopology, together: together, gate: newInFlightGate(len(together))}
	rep, err := (&Engine{Trail: &fakeTrail{}, Topology: topo}).Triage(context.Background(), lambdaAlarm("us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	noNoteOf(t, rep.Notes, "read alone", "siblings' dependencies read one after another")
}

// TestReadsAheadKeepTheWalksOrder: however the reads ahead finish, the scope,
// the lookups kept by a tight budget and the notes are the ones a walk
// reading one resource at a time makes.
func TestReadsAheadKeepTheWalksOrder(t *testing.T) {
	triage := func(topo investigation.Topology) ([]string, string) {
		t.Helper()
		trail := &fakeTrail{}
		e := &Engine{Trail: trail, Topology: topo, Limits: Limits{MaxDependencyLookups: 3, MaxTopologyReads: 4}}
		rep, err := e.Triage(context.Background(), lambdaAlarm("us-east-1"))
		if err != nil {
			t.Fatal(err)
		}
		rep.Stats.DurationMS = 0
		out, _ := json.Marshal(rep)
		trail.mu.Lock()
		defer trail.mu.Unlock()
		var looked []string
		for _, q := range trail.queries {
			looked = append(looked, q.Value)
		}
		// The lanes of the two layers run at once: what is looked up is
		// the walk's to decide, not the order the lanes send it in.
		slices.Sort(looked)
		return looked, string(out)
	}
	wantLooked, want := triage(siblingTopology)
	// The strongest answer last, the weakest first.
	slow := slowTopology{deps: siblingTopology, delay: map[string]time.Duration{
		"checkout-role": 60 * time.Millisecond, "sg-0abc": 40 * time.Millisecond, "orders": 20 * time.Millisecond}}
	for range 3 {
		looked, got := triage(slow)
		if got != want {
			t.Fatalf("report depends on which read finished first:\n got %s\nwant %s", got, want)
		}
		if strings.Join(looked, ",") != strings.Join(wantLooked, ",") {
			t.Fatalf("looked up %v, want %v", looked, wantLooked)
		}
	}
}
