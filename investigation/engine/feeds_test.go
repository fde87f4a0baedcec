package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// fakeFeeds answers status feeds per resource id; fail makes one unreadable.
type fakeFeeds struct {
	lines map[string][]investigation.LogLine
	fail  map[string]error
	asked []string
}

func (f *fakeFeeds) Status(_ context.Context, r investigation.Resource, start, end time.Time) ([]investigation.LogLine, error) {
	f.asked = append(f.asked, r.ID)
	if err := f.fail[r.ID]; err != nil {
		return nil, err
	}
	ls, ok := f.lines[r.ID]
	if !ok {
		return nil, investigation.ErrUnknownResource
	}
	var out []investigation.LogLine
	for _, l := range ls {
		if !l.Time.Before(start) && l.Time.Before(end) {
			out = append(out, l)
		}
	}
	return out, nil
}

func TestClassifyAssumeRoleRefusal(t *testing.T) {
	line := "(service ledger-worker) failed to launch a task with (error ECS was unable to assume the role 'arn:aws:iam::123456789012:role/ledger-worker-task' that was provided for this task."
	if k := ClassifyLine(line); k != investigation.ErrAccessDenied {
		t.Errorf("kind %q, want access denied: a role that cannot be assumed is a permission failure", k)
	}
}

// TestFeedsReadAsLogLines: a service's own events corroborate a change the
// way the workload's log lines do, in a pseudo-group naming the feed.
func TestFeedsReadAsLogLines(t *testing.T) {
	detach := ev("detach", "iam.amazonaws.com", "DetachRolePolicy", at(6), "us-east-1", role("checkout-role"),
		params(`{"roleName":"checkout-role","policyArn":"arn:aws:iam::123456789012:policy/orders-read"}`))
	group := investigation.FeedGroup(investigation.FeedLambdaStatus, "checkout")
	feeds := &fakeFeeds{
		lines: map[string][]investigation.LogLine{"checkout": {
			{Group: group, Time: at(5), Message: "AccessDeniedException: not authorized to perform: dynamodb:GetItem"},
			{Group: group, Time: at(4), Message: "steady state reached"}, // not noteworthy: not read
		}},
		fail: map[string]error{"sg-0abc": errors.New("throttled")},
	}
	eng := &Engine{Trail: &fakeTrail{events: []investigation.Event{detach}}, Topology: checkoutTopology, Feeds: feeds,
		Now: func() time.Time { return symptom }}
	rep, err := eng.Triage(context.Background(), lambdaAlarm("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Candidates) == 0 || rep.Candidates[0].Confidence != investigation.ConfidenceHigh {
		t.Fatalf("the feed's AccessDenied should corroborate the detach: %+v", rep.Candidates)
	}
	var cited bool
	for _, c := range rep.Candidates[0].Claims {
		cited = cited || strings.Contains(c.Text, group)
	}
	if !cited {
		t.Errorf("no claim names the feed %q: %+v", group, rep.Candidates[0].Claims)
	}
	for _, id := range feeds.asked {
		if id == "sg-0abc" {
			t.Errorf("a security group has no status feed, yet it was asked")
		}
	}
}

func TestFeedReadBudgetAndFailures(t *testing.T) {
	var targets []*scoped
	for i := 0; i < maxFeedReads+2; i++ {
		targets = append(targets, &scoped{Resource: investigation.Resource{Type: investigation.TypeECSService, ID: string(rune('a' + i))}, Layer: 1})
	}
	feeds := &fakeFeeds{fail: map[string]error{"a": errors.New("AccessDenied")}}
	tr := &triage{engine: &Engine{Feeds: feeds}, targets: targets}
	var fx effects
	tr.readFeeds(context.Background(), &fx, at(60), symptom)
	fx.apply(tr)
	if len(feeds.asked) != maxFeedReads {
		t.Errorf("%d feeds read, budget %d", len(feeds.asked), maxFeedReads)
	}
	notes := strings.Join(tr.notes, "\n")
	if !strings.Contains(notes, "status feed of AWS::ECS::Service a not read") || !strings.Contains(notes, "not read") {
		t.Errorf("notes: %s", notes)
	}
}
