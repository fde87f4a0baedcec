package offline

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// TestFeeds reads a service's events from feeds.json in its pseudo-group,
// within the window, and refuses types and resources it has nothing on.
func TestFeeds(t *testing.T) {
	sc := load(t, "077-ecs-task-role-trust-policy-next-deploy")
	feeds := NewFeeds(sc)
	svc := investigation.Resource{Type: investigation.TypeECSService, ID: "arn:aws:ecs:eu-west-1:123456789012:service/prod-core/ledger-worker"}
	start := time.Date(2026, 5, 8, 13, 0, 0, 0, time.UTC)
	lines, err := feeds.Status(context.Background(), svc, start, start.Add(time.Hour))
	if err != nil || len(lines) == 0 {
		t.Fatalf("lines %d, %v", len(lines), err)
	}
	for i, l := range lines {
		if l.Group != "ecs service events: ledger-worker" || l.Time.Before(start) || (i > 0 && l.Time.Before(lines[i-1].Time)) {
			t.Errorf("line %d: %+v", i, l)
		}
	}
	refused := 0
	for _, l := range lines {
		if strings.Contains(l.Message, "unable to assume the role") {
			refused++
		}
	}
	if refused == 0 {
		t.Errorf("no refused launch among %d lines", len(lines))
	}
	for _, r := range []investigation.Resource{{Type: investigation.TypeECSService, ID: "nope"}, {Type: investigation.TypeSQSQueue, ID: "q"}} {
		if _, err := feeds.Status(context.Background(), r, start, start.Add(time.Hour)); !errors.Is(err, investigation.ErrUnknownResource) {
			t.Errorf("%+v: %v", r, err)
		}
	}
}

func TestFeedTime(t *testing.T) {
	for in, want := range map[string]string{
		"2026-11-19T23:40:12.903+0000": "2026-11-19T23:40:12.903Z",
		"2026-11-03T15:47:22.310Z":     "2026-11-03T15:47:22.31Z",
		"2026-05-08T13:47:31Z":         "2026-05-08T13:47:31Z",
	} {
		if got := feedTime(in).Format(time.RFC3339Nano); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}
