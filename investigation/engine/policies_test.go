package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

type fakeIAM struct {
	versions map[string][]investigation.PolicyVersion
	err      error
	calls    []string
}

func (f *fakeIAM) PolicyVersions(_ context.Context, arn string) ([]investigation.PolicyVersion, error) {
	f.calls = append(f.calls, arn)
	return f.versions[arn], f.err
}

// The policy versions a next step names are read once per policy before
// ranking, and the step names the newest version created before the change.
func TestNextStepRestoresThePreviousPolicyVersion(t *testing.T) {
	const policy = "arn:aws:iam::123456789012:policy/checkout-data"
	newVersion := ev("cpv", "iam.amazonaws.com", "CreatePolicyVersion", at(9), "us-east-1", role("checkout-role"),
		params(`{"policyArn":"`+policy+`","setAsDefault":true}`))
	again := ev("sdv", "iam.amazonaws.com", "SetDefaultPolicyVersion", at(8), "us-east-1", role("checkout-role"),
		params(`{"policyArn":"`+policy+`","versionId":"v3"}`))
	iam := &fakeIAM{versions: map[string][]investigation.PolicyVersion{policy: {
		{ID: "v1", Created: at(600)}, {ID: "v2", Created: at(300)}, {ID: "v3", Created: at(9), IsDefault: true},
	}}}
	run := func(iam *fakeIAM) *investigation.Report {
		t.Helper()
		eng := &Engine{Trail: &fakeTrail{events: []investigation.Event{newVersion, again}}, Topology: checkoutTopology, IAM: iam,
			Logs: fakeLogs{"/aws/lambda/checkout": accessDenied(7, 10)}, Now: func() time.Time { return symptom.Add(10 * time.Minute) }}
		rep, err := eng.Triage(context.Background(), lambdaAlarm("eu-west-1"))
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := run(iam)
	if len(rep.Candidates) == 0 {
		t.Fatal("no candidate")
	}
	if step := rep.Candidates[0].NextStep; !strings.Contains(step, "back to v2") {
		t.Errorf("next step %q, want the default set back to v2", step)
	}
	if len(iam.calls) != 1 {
		t.Errorf("IAM read %v, want the policy once", iam.calls)
	}
	failing := &fakeIAM{err: errors.New("throttled")}
	rep = run(failing)
	if step := rep.Candidates[0].NextStep; strings.Contains(step, "back to") {
		t.Errorf("next step %q names a version IAM did not give", step)
	}
	if notes := strings.Join(rep.Notes, "\n"); !strings.Contains(notes, "versions of "+policy+" not read: throttled") {
		t.Errorf("notes lack the failed read:\n%s", notes)
	}
}
