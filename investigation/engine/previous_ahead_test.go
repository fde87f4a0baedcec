package engine

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// countingHistory keeps no item and counts the reads of each holder at
// each moment.
type countingHistory struct {
	fakeTopology
	mu    sync.Mutex
	asked map[aroundKey]int
}

func (c *countingHistory) ConfigurationAround(_ context.Context, r investigation.Resource, at time.Time) (investigation.ConfigChange, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked[aroundKey{r, at.UnixNano()}]++
	return investigation.ConfigChange{}, investigation.ErrUnknownResource
}

// TestHistoriesReadAheadOfRanking: when the walk ends, the histories of the
// strongest changes found are read before ranking, at each group's first
// call; the next steps take those reads instead of asking again.
func TestHistoriesReadAheadOfRanking(t *testing.T) {
	hist := &countingHistory{asked: map[aroundKey]int{}}
	tr := &triage{engine: &Engine{Topology: hist}, symptom: symptom, seen: map[string]*found{}}
	fnTarget := &scoped{Resource: investigation.Resource{Type: investigation.TypeLambdaFunction, ID: "checkout"}, Layer: 1, Strength: 1}
	roleTarget := &scoped{Resource: investigation.Resource{Type: investigation.TypeIAMRole, ID: "checkout-role"}, Layer: 2, Strength: 0.95,
		Parent: fnTarget.Resource}
	tr.targets = []*scoped{fnTarget, roleTarget}
	// Two calls of one change on the function, a role change, and more
	// weak tag changes than are read ahead.
	tr.keep(ev("first", "lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", at(9), "us-east-1", fn("checkout"),
		params(`{"functionName":"checkout","timeout":3}`)), fnTarget)
	tr.keep(ev("second", "lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", at(7), "us-east-1", fn("checkout"),
		params(`{"functionName":"checkout","timeout":2}`)), fnTarget)
	tr.keep(ev("detached", "iam.amazonaws.com", "DetachRolePolicy", at(12), "us-east-1", role("checkout-role"),
		params(`{"roleName":"checkout-role","policyArn":"arn:aws:iam::123456789012:policy/orders"}`)), roleTarget)
	for i, who := range []string{"ana", "bo", "cy", "di", "ed"} {
		e := ev("tag-"+who, "lambda.amazonaws.com", "TagResource", at(25+float64(i)), "us-east-1", fn("checkout"))
		e.Actor.Name = who
		tr.keep(e, fnTarget)
	}

	tr.readAroundAhead(context.Background())
	tr.reads.Wait()
	fnAt := aroundKey{fnTarget.Resource, at(9).UnixNano()}
	roleAt := aroundKey{roleTarget.Resource, at(12).UnixNano()}
	roleParentAt := aroundKey{fnTarget.Resource, at(12).UnixNano()}
	for _, k := range []aroundKey{fnAt, roleAt, roleParentAt} {
		if hist.asked[k] != 1 {
			t.Errorf("%s at %s read %d times ahead of ranking, want once", k.holder.ID, time.Unix(0, k.at).UTC(), hist.asked[k])
		}
	}
	if reads := len(hist.asked); reads > groupsAhead*holdersAhead {
		t.Errorf("%d histories read ahead, want at most %d", reads, groupsAhead*holdersAhead)
	}

	// The next steps ask for the function's change: the read ahead answers.
	tr.around(context.Background(), hist, fnTarget.Resource, at(9))()
	if hist.asked[fnAt] != 1 {
		t.Errorf("the function's history read %d times, want the read ahead reused", hist.asked[fnAt])
	}
}
