package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"github.com/trailhound/trailhound/investigation"
)

// TestTrailCoverageThroughSandbox: the engine reads a stopped trail through
// the SDK and the sandbox, states the gap with the StopLogging call that
// opened it, and keeps the cause below high.
func TestTrailCoverageThroughSandbox(t *testing.T) {
	dir := filepath.Join(corpus, "100-logging-stopped-then-role-policy-detached")
	stdout, stderr, code := runCmd(t, "triage", "--scenario", dir, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep investigation.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.CoverageGaps) != 1 || rep.CoverageGaps[0].Kind != investigation.GapLoggingStopped ||
		!slices.Contains(rep.CoverageGaps[0].EventIDs, "990e75ea-fff5-49c2-ae2b-78e413d16225") {
		t.Fatalf("coverage gaps %+v, want logging stopped naming the StopLogging event", rep.CoverageGaps)
	}
	if len(rep.Candidates) == 0 || rep.Candidates[0].Confidence == investigation.ConfidenceHigh {
		t.Errorf("candidates %+v: rank 1 should be lowered below high", rep.Candidates)
	}
	for _, op := range []string{"cloudtrail:ListTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors"} {
		if rep.Stats.APICalls[op] == 0 {
			t.Errorf("%s not called: %v", op, rep.Stats.APICalls)
		}
	}
}
