package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation/intake"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
)

// TestTriageDegradesOnAWSFaults: a source that refuses or throttles makes
// the report say what is missing; it never fails the triage.
func TestTriageDegradesOnAWSFaults(t *testing.T) {
	sc, err := scenario.Load(filepath.Join(corpus, "001-lambda-role-policy-detached"))
	if err != nil {
		t.Fatal(err)
	}
	alarm, err := intake.Parse(sc.Alarm)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tests := []struct {
		name      string
		faults    map[string]awsapi.Fault
		wantNotes []string
		wantCause bool
	}{
		{
			name: "topology and logs refused",
			faults: map[string]awsapi.Fault{
				"config:GetResourceConfigHistory": {ErrorCode: "AccessDeniedException"},
				"lambda:GetFunctionConfiguration": {ErrorCode: "AccessDeniedException", Status: 403},
				"logs:FilterLogEvents":            {ErrorCode: "AccessDeniedException"},
			},
			wantNotes: []string{"lambda:GetFunctionConfiguration", "logs:FilterLogEvents"},
		},
		{
			name:      "CloudTrail throttles: retried, the answer stands",
			faults:    map[string]awsapi.Fault{"cloudtrail:LookupEvents": {Throttle: true}},
			wantCause: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run, err := startSandboxRun(ctx, sc, sandboxOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer run.Close()
			for op, f := range tc.faults {
				run.server.Emulator().SetFault(op, f)
			}
			rep, err := run.triage(ctx, sc, alarm, nil)
			if err != nil {
				t.Fatalf("triage failed instead of degrading: %v", err)
			}
			notes := strings.Join(rep.Notes, "\n")
			for _, want := range tc.wantNotes {
				if !strings.Contains(notes, want) {
					t.Errorf("notes do not name %s:\n%s", want, notes)
				}
			}
			found := len(rep.Candidates) > 0 && rep.Candidates[0].Events[0].EventID == sc.Expect.Cause[0]
			if found != tc.wantCause {
				t.Errorf("cause found = %v, want %v (candidates %+v)", found, tc.wantCause, rep.Candidates)
			}
			for _, c := range rep.Candidates {
				if c.Confidence == "high" && c.Events[0].EventID != sc.Expect.Cause[0] {
					t.Errorf("a degraded walk marked a wrong candidate high: %+v", c)
				}
			}
		})
	}
}
