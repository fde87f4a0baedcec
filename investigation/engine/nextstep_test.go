package engine

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/catalogue"
)

// historyTopology is a topology that also keeps configuration items.
type historyTopology struct {
	fakeTopology
	items map[string]investigation.ConfigChange
}

func (h historyTopology) ConfigurationAround(_ context.Context, r investigation.Resource, _ time.Time) (investigation.ConfigChange, error) {
	c, ok := h.items[r.ID]
	if !ok {
		return investigation.ConfigChange{}, investigation.ErrUnknownResource
	}
	return c, nil
}

func withRaw(v string) evOpt { return func(e *investigation.Event) { e.Raw = json.RawMessage(v) } }

func TestNextStepNamesPreviousValue(t *testing.T) {
	lowered := ev("lowered", "lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", at(8), "eu-west-1", fn("checkout"),
		params(`{"functionName":"checkout","timeout":3}`))
	// Two days earlier, outside the walk's windows: only the bounded lookup back finds it.
	earlier := ev("earlier", "lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", at(48*60), "eu-west-1", fn("checkout"),
		params(`{"functionName":"checkout","timeout":30}`), withRaw(`{"responseElements":{"functionName":"checkout","timeout":30,"memorySize":512}}`))
	tests := []struct {
		name   string
		events []investigation.Event
		topo   investigation.Topology
		want   []string
		absent []string
	}{
		{name: "the previous call of the same API, read further back",
			events: []investigation.Event{lowered, earlier}, topo: checkoutTopology,
			want: []string{"timeout 30", "the change set 3", "event earlier"}},
		{name: "AWS Config's item before the change wins over the trail",
			events: []investigation.Event{lowered, earlier},
			topo: historyTopology{checkoutTopology, map[string]investigation.ConfigChange{"checkout": {
				Before: json.RawMessage(`{"functionName":"checkout","timeout":60}`), BeforeAt: at(600),
				After: json.RawMessage(`{"functionName":"checkout","timeout":3}`)}}},
			want: []string{"timeout 60", "AWS Config's configuration item"}},
		{name: "nothing readable: where it is recorded, never a placeholder",
			events: []investigation.Event{lowered}, topo: checkoutTopology,
			want: []string{"get-resource-config-history", "--resource-id checkout"}, absent: []string{"<"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eng := &Engine{Trail: &fakeTrail{events: tc.events}, Topology: tc.topo, Now: func() time.Time { return symptom.Add(time.Minute) }}
			rep, err := eng.Triage(context.Background(), lambdaAlarm("eu-west-1"))
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Candidates) == 0 || rep.Candidates[0].Events[0].EventID != "lowered" {
				t.Fatalf("candidates %+v", rep.Candidates)
			}
			step := rep.Candidates[0].NextStep
			for _, w := range tc.want {
				if !strings.Contains(step, w) {
					t.Errorf("next step %q lacks %q", step, w)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(step, a) {
					t.Errorf("next step %q holds %q", step, a)
				}
			}
		})
	}
}

func TestPreviousLookupRespectsBudget(t *testing.T) {
	lowered := ev("lowered", "lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", at(8), "eu-west-1", fn("checkout"),
		params(`{"functionName":"checkout","timeout":3}`))
	trail := &fakeTrail{events: []investigation.Event{lowered}}
	eng := &Engine{Trail: trail, Limits: Limits{MaxLookups: 1}, Now: func() time.Time { return symptom }}
	rep, err := eng.Triage(context.Background(), lambdaAlarm("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(trail.queries) != 1 {
		t.Errorf("%d lookups with a budget of 1", len(trail.queries))
	}
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "was not read") {
		t.Errorf("notes %v do not say the previous call was not read", rep.Notes)
	}
}

// gatedHistory keeps no item, but holds each configuration history read at
// its gate: reads made one after another fail with an error the report's
// notes carry.
type gatedHistory struct {
	fakeTopology
	gate *inFlightGate
}

func (g gatedHistory) ConfigurationAround(context.Context, investigation.Resource, time.Time) (investigation.ConfigChange, error) {
	if !g.gate.hold() {
		return investigation.ConfigChange{}, errors.New("read alone")
	}
	return investigation.ConfigChange{}, investigation.ErrUnknownResource
}

// TestHistoryHoldersReadTogether: a role's change may be recorded in the
// role's own history or in the function that depends on it; the next steps
// ask both at once when neither was read ahead of ranking.
func TestHistoryHoldersReadTogether(t *testing.T) {
	changed := ev("detached", "iam.amazonaws.com", "DetachRolePolicy", at(8), "us-east-1", role("checkout-role"),
		params(`{"roleName":"checkout-role","policyArn":"arn:aws:iam::123456789012:policy/orders"}`))
	fnTarget := &scoped{Resource: investigation.Resource{Type: investigation.TypeLambdaFunction, ID: "checkout"}, Layer: 1, Strength: 1}
	roleTarget := &scoped{Resource: investigation.Resource{Type: investigation.TypeIAMRole, ID: "checkout-role"}, Layer: 2, Strength: 0.95,
		Parent: fnTarget.Resource}
	f := &found{Event: changed, Target: roleTarget, Kind: catalogue.KindOfEvent(changed)}
	tr := &triage{engine: &Engine{Topology: gatedHistory{fakeTopology: checkoutTopology, gate: newInFlightGate(2)}},
		symptom: symptom, targets: []*scoped{fnTarget, roleTarget}}
	var fx effects
	if _, ok := tr.previousFromConfig(context.Background(), &fx, &group{rep: f, events: []*found{f}}); ok {
		t.Fatal("a previous value from histories that hold nothing")
	}
	tr.reads.Wait()
	fx.apply(tr)
	noNoteOf(t, tr.notes, "read alone", "the holders' histories were read one after another")
}
