package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
)

const corpus = "../../testdata/scenarios"

func runCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	code = run(ctx, args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestHelpGoesToStdout(t *testing.T) {
	for _, args := range [][]string{
		{"help"}, {"-h"}, {"run", "-h"}, {"demo", "-h"}, {"triage", "-h"}, {"changes", "--help"}, {"eval", "-h"}, {"sandbox", "-h"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			stdout, stderr, code := runCmd(t, args...)
			if code != 0 || stderr != "" || !strings.Contains(stdout, "trailhound") {
				t.Errorf("exit %d, stdout %d bytes, stderr %q: want the usage on stdout only", code, len(stdout), stderr)
			}
		})
	}
	// A bad flag is an error: its message and the usage go to stderr.
	stdout, stderr, code := runCmd(t, "eval", "--bogus")
	if code != 2 || stdout != "" || !strings.Contains(stderr, "-bogus") || !strings.Contains(stderr, "Flags:") {
		t.Errorf("bad flag: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "Usage:"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"triage"}, "--scenario is required"},
		{[]string{"triage", "--scenario", corpus + "/001-lambda-role-policy-detached", "--format", "xml"}, "--format must be text or json"},
		{[]string{"triage", "--scenario", "x", "--offline", "--throttle"}, "--latency, --throttle and --ai apply to the sandbox"},
		{[]string{"changes", "--trail", "a", "--scenario", "b"}, "exactly one of --trail or --scenario"},
		{[]string{"changes", "--trail", "a", "--before", "teatime"}, `"teatime" is not a time`},
		{[]string{"eval"}, "--scenarios is required"},
		{[]string{"run"}, "SLACK_APP_TOKEN: required"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			if len(tc.args) > 0 && tc.args[0] == "run" {
				for _, k := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "TRAILHOUND_CHANNELS", "TRAILHOUND_CONFIG"} {
					t.Setenv(k, "")
				}
			}
			_, stderr, code := runCmd(t, tc.args...)
			if code != 2 {
				t.Errorf("exit code %d, want 2 (stderr %q)", code, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", stderr, tc.want)
			}
		})
	}
}

// TestTriageThroughSandbox runs a triage as production does: the real SDK
// clients against the AWS sandbox over loopback HTTP.
func TestTriageThroughSandbox(t *testing.T) {
	dir := filepath.Join(corpus, "001-lambda-role-policy-detached")
	stdout, stderr, code := runCmd(t, "triage", "--scenario", dir, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep investigation.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	sc, err := scenario.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Candidates) == 0 || rep.Candidates[0].Events[0].EventID != sc.Expect.Cause[0] {
		t.Fatalf("rank 1 = %+v, want event %s", rep.Candidates, sc.Expect.Cause[0])
	}
	if c := rep.Candidates[0]; c.Confidence != investigation.ConfidenceHigh || !strings.HasPrefix(c.Events[0].Link, "https://us-east-1.console.aws.amazon.com/cloudtrailv2/") {
		t.Errorf("rank 1 = %+v, want high with a us-east-1 console link (IAM is global)", c)
	}
	if rep.Stats.APICalls["cloudtrail:LookupEvents"] < rep.Stats.ResourcesWalked || rep.Stats.APICalls["logs:FilterLogEvents"] == 0 {
		t.Errorf("api calls %v: every walked resource costs a lookup and the logs are read", rep.Stats.APICalls)
	}
}

// TestCorpusAccuracy holds the engine to DESIGN §9's accuracy targets on the
// shipped corpus, in process (the sandbox path is exercised above and by eval).
// heldOutFrom is the first scenario number written after the engine's rules,
// by people who never read them: those scenarios measure how the ranking
// generalises, the earlier ones guard what it already gets right.
const heldOutFrom = 46

// cohorts are the corpus's scenarios in the order they were written, each
// written before the rules that handle it, with the score the engine may not
// fall below on it. A floor rises with the engine and never falls; DESIGN §9's
// targets (top-1 ≥ 95 %, top-3 100 %, every blind spot honest, nothing
// false-high) are where each is going. A new cohort starts at its first-run
// score, so adding incidents the engine cannot handle yet does not hide a
// regression on the ones it can.
var cohorts = []struct {
	from, to int
	floor    scenario.Summary
}{
	{1, 87, scenario.Summary{Top1: 100, Top3: 100, BlindHonest: 15, FalseHigh: 0, NextStep: 52}},
	{88, 999, scenario.Summary{Top1: 100, Top3: 100, BlindHonest: 4, FalseHigh: 0, NextStep: 6, CoverageHonest: 3}},
}

func TestCorpusAccuracy(t *testing.T) {
	stdout, stderr, code := runCmd(t, "eval", "--offline", "--scenarios", corpus, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var out evalOutput
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	s := out.Summary
	t.Logf("%+v", s)
	if s.Scenarios < 80 || s.Errors != 0 {
		t.Fatalf("%d scenarios, %d errors", s.Scenarios, s.Errors)
	}
	for _, c := range cohorts {
		var rows []scenario.Result
		for _, r := range out.Rows {
			if n, err := strconv.Atoi(r.Scenario[:3]); err == nil && n >= c.from && n <= c.to {
				rows = append(rows, r)
			}
		}
		got, f := scenario.Summarize(rows, len(rows)), c.floor
		t.Logf("scenarios %03d-%03d: %+v", c.from, c.to, got)
		if got.Top1 < f.Top1 || got.Top3 < f.Top3 || got.BlindHonest < f.BlindHonest ||
			got.FalseHigh > f.FalseHigh || got.Fabricated != 0 || got.NextStep < f.NextStep || got.CoverageHonest < f.CoverageHonest {
			t.Errorf("scenarios %03d-%03d fell below their floor: got %+v, floor %+v", c.from, c.to, got, f)
		}
	}
	var seen []scenario.Result
	for _, r := range out.Rows {
		if n, err := strconv.Atoi(r.Scenario[:3]); err == nil && n < heldOutFrom {
			seen = append(seen, r)
		}
		if r.Lookups > r.Resources {
			t.Errorf("%s: %d lookups for %d resources", r.Scenario, r.Lookups, r.Resources)
		}
	}
	old := scenario.Summarize(seen, len(seen))
	if old.Top1 < 90 || old.Top3 < 98 {
		t.Errorf("scenarios before %03d: top-1 %.1f%% (want ≥ 90), top-3 %.1f%% (want ≥ 98)", heldOutFrom, old.Top1, old.Top3)
	}
	if old.BlindHonest != old.BlindScenarios || old.FalseHigh != 0 || old.Fabricated != 0 {
		t.Errorf("scenarios before %03d: blind spots %d/%d honest, false-high %d, fabricated %d: all must be perfect",
			heldOutFrom, old.BlindHonest, old.BlindScenarios, old.FalseHigh, old.Fabricated)
	}
}

func TestChangesJSON(t *testing.T) {
	dir := filepath.Join(corpus, "001-lambda-role-policy-detached")
	stdout, stderr, code := runCmd(t, "changes", "--scenario", dir, "--resource", "checkout-role", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var out changesJSON
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Changes) == 0 {
		t.Fatal("no change on checkout-role before the scenario's now")
	}
	for i, c := range out.Changes {
		if i > 0 && c.EventTime.After(out.Changes[i-1].EventTime) {
			t.Errorf("changes not newest first at %d", i)
		}
		if c.EventTime.Before(out.Window.Start) || c.EventTime.After(out.Window.End) || !strings.Contains(c.Link, c.EventID) {
			t.Errorf("change %+v outside %v or without its link", c, out.Window)
		}
	}
}

// TestDemo runs the README's first command on two scenarios: alarms in the
// channel, reports in threads, a re-fire noted, an OK resolving the thread.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo runs the whole bot")
	}
	blocks := t.TempDir()
	stdout, stderr, code := runCmd(t, "demo", "--scenarios", corpus, "--only", "001,008,004", "--blocks", blocks)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
	}
	for _, want := range []string{"checkout-errors", "DetachRolePolicy", "fired again", "resolved", "orders-api-unhealthy-hosts"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("transcript lacks %q:\n%s", want, stdout)
		}
	}
	files, err := os.ReadDir(blocks)
	if err != nil || len(files) < 3 {
		t.Errorf("--blocks wrote %d files (%v)", len(files), err)
	}
}

// TestTriageWithScriptedBedrock: the agent refines the report through the
// real bedrockruntime client and the sandbox Bedrock, and the deterministic
// report stays byte-identical apart from its ai section.
func TestTriageWithScriptedBedrock(t *testing.T) {
	dir := filepath.Join(corpus, "001-lambda-role-policy-detached")
	report := func(args ...string) (investigation.Report, map[string]json.RawMessage) {
		t.Helper()
		stdout, stderr, code := runCmd(t, append([]string{"triage", "--scenario", dir, "--format", "json"}, args...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var rep investigation.Report
		var fields map[string]json.RawMessage
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(stdout), &fields); err != nil {
			t.Fatal(err)
		}
		return rep, fields
	}
	off, offFields := report()
	on, onFields := report("--ai", "bedrock")
	if off.AI.Used || !on.AI.Used || on.AI.ToolCalls != 1 || on.AI.DroppedClaims != 0 || on.AI.InputTokens == 0 {
		t.Fatalf("ai off %+v, on %+v", off.AI, on.AI)
	}
	for _, k := range []string{"alarm", "window", "candidates", "explanation", "blind_spots"} {
		if !bytes.Equal(offFields[k], onFields[k]) {
			t.Errorf("%s differs with AI on", k)
		}
	}
}
