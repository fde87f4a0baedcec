package engine

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// TestStackTemplateBeforeTheUpdate: a change CloudFormation made is tied to
// the UpdateStack run with the role that made it, and the next step names the
// template of the update before it on the same stack.
func TestStackTemplateBeforeTheUpdate(t *testing.T) {
	role := "arn:aws:iam::123456789012:role/cfn-deploy"
	change := investigation.Event{Raw: json.RawMessage(`{"invokedBy":"cloudformation.amazonaws.com","userIdentity":{"sessionContext":{"sessionIssuer":{"arn":"` + role + `"}}}}`)}
	if got := cfnRole(change); got != role {
		t.Fatalf("cfnRole = %q", got)
	}
	if got := cfnRole(investigation.Event{Raw: json.RawMessage(`{"userAgent":"terraform"}`)}); got != "" {
		t.Errorf("a call CloudFormation did not make: role %q", got)
	}
	base := time.Date(2026, 4, 6, 9, 0, 0, 0, time.UTC)
	upd := func(id string, at time.Duration, stack, tmpl, r string) investigation.Event {
		req, _ := json.Marshal(map[string]string{"stackName": stack, "templateURL": tmpl, "roleARN": r})
		return investigation.Event{ID: id, Time: base.Add(at), RequestJSON: req}
	}
	updates := stackUpdates([]investigation.Event{
		upd("old", -5*time.Hour, "events", "https://b/events/t-0402.yaml", role),
		upd("other", -time.Hour, "unrelated", "https://b/unrelated/t.yaml", "arn:aws:iam::123456789012:role/other"),
		upd("made", 20*time.Minute, "events", "https://b/events/t-0917.yaml", role),
	})
	made, before := stackUpdatesAround(updates, role, base.Add(21*time.Minute))
	if made == nil || made.id != "made" || before == nil || before.id != "old" {
		t.Fatalf("made %+v before %+v", made, before)
	}
	if step := stackStep(made, before); !strings.Contains(step, "t-0402.yaml") || !strings.Contains(step, "events") {
		t.Errorf("step %q names neither the stack nor the previous template", step)
	}
}
