package bedrock

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/agent"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
	"github.com/trailhound/trailhound/tools"
)

const (
	evConfig = "4f1d2c3b-0000-4000-8000-00000000e001" // in the report
	evPolicy = "4f1d2c3b-0000-4000-8000-00000000e002" // in the report
	evDelete = "4f1d2c3b-0000-4000-8000-00000000e003" // only lookup_events returns it
)

// testModel is the model id the tests configure; the report must name it.
const testModel = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

// sandboxAI serves testdata/agent with testdata/models/<model>.json as its
// model.json, and returns the sandbox, the adapter and the tool registry,
// all through the real SDK clients.
func sandboxAI(t *testing.T, model string) (*awsapi.Emulator, *Model, *agent.Registry) {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "agent"))); err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join("testdata", "models", model+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "model.json"), script, 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err := scenario.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, err := awsapi.New(sc)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:       sc.Meta.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDSANDBOXTEST", "sandbox-secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
	}
	reg, err := agent.NewRegistry(agent.Backends{Trail: tools.NewCloudTrail(cfg, tools.CloudTrailOptions{Account: sc.Meta.Account})},
		agent.RegistryOptions{DefaultRegion: sc.Meta.Region})
	if err != nil {
		t.Fatal(err)
	}
	return a, New(cfg, Options{ModelID: testModel, CallTimeout: 5 * time.Second, RetryBase: 10 * time.Millisecond}), reg
}

func agentReport() *investigation.Report {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	ev := func(id, name, source string, at time.Time) investigation.EventRef {
		return investigation.EventRef{EventID: id, EventName: name, EventSource: source, EventTime: at, Region: "us-east-1", Link: investigation.EventLink("us-east-1", id)}
	}
	return &investigation.Report{
		Alarm:  investigation.AlarmSummary{Name: "checkout-errors", Account: "123456789012", Region: "us-east-1", State: investigation.StateAlarm, StateChangeTime: t0},
		Window: investigation.Window{Start: t0.Add(-time.Hour), End: t0},
		Candidates: []investigation.Candidate{
			{Rank: 1, Summary: "PutRolePolicy data-access on checkout-role", Category: investigation.CategoryIAM, Confidence: investigation.ConfidenceMedium, Layer: 2,
				Events: []investigation.EventRef{ev(evPolicy, "PutRolePolicy", "iam.amazonaws.com", t0.Add(-10*time.Minute))}},
			{Rank: 2, Summary: "UpdateFunctionConfiguration on checkout", Category: investigation.CategoryConfig, Confidence: investigation.ConfidenceLow, Layer: 1,
				Events: []investigation.EventRef{ev(evConfig, "UpdateFunctionConfiguration20150331v2", "lambda.amazonaws.com", t0.Add(-20*time.Minute))}},
		},
		Explanation: investigation.Explanation{WhatChanged: "checkout-role's inline policy data-access was rewritten.", Why: "medium: a permission change before errors."},
		Stats:       investigation.Stats{APICalls: map[string]int{"cloudtrail:LookupEvents": 2}},
	}
}

type aiResult struct {
	a     agent.Assessment
	st    investigation.AIStatus
	tr    agent.Transcript
	calls map[string]int
}

func runSandboxAI(t *testing.T, model string, budgets agent.Budgets, prepare func(*awsapi.Emulator)) aiResult {
	t.Helper()
	a, m, reg := sandboxAI(t, model)
	if prepare != nil {
		prepare(a)
	}
	rep := agentReport()
	before, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	assessment, st, tr := agent.Advise(ctx, agent.AdviseInput{
		Report: rep, Alarm: investigation.Alarm{Name: "checkout-errors", Description: "Errors on checkout"},
		Model: m, ModelName: m.ID(), Tools: reg, Budgets: budgets,
	})
	after, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("Advise changed the deterministic report")
	}
	for _, s := range tr.Steps {
		if s.Kind == "model" && s.Error != "" && strings.Contains(s.Error, "ValidationException") {
			t.Errorf("Bedrock refused the request shape: %s", s.Error)
		}
	}
	res := aiResult{a: assessment, st: st, tr: tr, calls: a.Calls()}
	t.Logf("%s: used=%v reason=%q input_tokens=%d output_tokens=%d tool_calls=%d dropped=%d converse_requests=%d lookup_events=%d",
		model, st.Used, st.ReasonUnused, st.InputTokens, st.OutputTokens, st.ToolCalls, st.DroppedClaims, res.calls["bedrock:Converse"], res.calls["cloudtrail:LookupEvents"])
	return res
}

func TestSandboxHappyPath(t *testing.T) {
	r := runSandboxAI(t, "happy", agent.Budgets{}, nil)
	if !r.st.Used || r.st.ToolCalls != 1 || r.st.InputTokens != 7010 || r.st.OutputTokens != 406 || r.st.DroppedClaims != 0 || r.st.Model != testModel {
		t.Fatalf("status %+v", r.st)
	}
	if len(r.a.Ranking) != 3 || r.a.Ranking[0].EventIDs[0] != evDelete || !slices.Equal(r.a.CandidateOrder, []int{1, 2}) || len(r.a.NextActions) != 1 {
		t.Fatalf("assessment %+v", r.a)
	}
	if r.calls["bedrock:Converse"] != 2 || r.calls["cloudtrail:LookupEvents"] != 1 {
		t.Fatalf("calls %v", r.calls)
	}
}

// The model cites an event no lookup of this run returned: the claims
// resting on it are dropped and counted.
func TestSandboxDropsUnretrievedEvent(t *testing.T) {
	r := runSandboxAI(t, "fabricated", agent.Budgets{}, nil)
	if !r.st.Used || r.st.DroppedClaims != 2 || r.st.ToolCalls != 0 {
		t.Fatalf("status %+v", r.st)
	}
	for _, rk := range r.a.Ranking {
		if slices.Contains(rk.EventIDs, evDelete) {
			t.Fatalf("unretrieved event kept: %+v", rk)
		}
	}
	if len(r.a.Ranking) != 2 || len(r.a.NextActions) != 0 {
		t.Fatalf("assessment %+v", r.a)
	}
}

func TestSandboxRepairsInvalidAssessment(t *testing.T) {
	r := runSandboxAI(t, "repair", agent.Budgets{}, nil)
	if !r.st.Used || len(r.a.Ranking) != 1 || r.a.Ranking[0].Plausibility != 0.6 || r.calls["bedrock:Converse"] != 2 {
		t.Fatalf("status %+v assessment %+v calls %v", r.st, r.a, r.calls)
	}
	if !strings.Contains(r.tr.Steps[1].Error, "plausibility: want a number") {
		t.Fatalf("repair step %+v", r.tr.Steps[1])
	}
}

// A write tool the registry does not hold is refused; the conversation stays
// one Bedrock accepts.
func TestSandboxRefusesUnknownTool(t *testing.T) {
	r := runSandboxAI(t, "unknown_tool", agent.Budgets{}, nil)
	if !r.st.Used || r.st.ToolCalls != 0 || !r.tr.Steps[1].Refused || r.tr.Steps[1].Tool != "put_role_policy" {
		t.Fatalf("status %+v steps %+v", r.st, r.tr.Steps)
	}
	for op := range r.calls {
		if strings.HasPrefix(op, "iam:") {
			t.Fatalf("an IAM call was made: %v", r.calls)
		}
	}
}

func TestSandboxBudgetSpent(t *testing.T) {
	r := runSandboxAI(t, "budget", agent.Budgets{ToolCalls: 1}, nil)
	if !r.st.Used || r.a.Partial != "tool-call budget of 1" || r.st.ToolCalls != 1 || len(r.a.Ranking) != 3 {
		t.Fatalf("status %+v assessment %+v", r.st, r.a)
	}
	if last := r.tr.Steps[len(r.tr.Steps)-1]; !last.Final {
		t.Fatalf("the last turn was not the final one: %+v", last)
	}
}

func TestSandboxThrottledThenSuccess(t *testing.T) {
	r := runSandboxAI(t, "throttle", agent.Budgets{}, nil)
	if !r.st.Used || r.st.ToolCalls != 1 || r.calls["bedrock:Converse"] != 4 {
		t.Fatalf("status %+v calls %v", r.st, r.calls)
	}
}

func TestSandboxBedrockDown(t *testing.T) {
	r := runSandboxAI(t, "happy", agent.Budgets{}, func(a *awsapi.Emulator) {
		a.SetFault("bedrock:Converse", awsapi.Fault{ErrorCode: "ServiceUnavailableException", Status: 503})
	})
	if r.st.Used || !strings.HasPrefix(r.st.ReasonUnused, "unavailable: ") || !strings.Contains(r.st.ReasonUnused, "ServiceUnavailableException") {
		t.Fatalf("status %+v", r.st)
	}
	if r.calls["bedrock:Converse"] != DefaultMaxAttempts {
		t.Fatalf("converse requests %d, want %d", r.calls["bedrock:Converse"], DefaultMaxAttempts)
	}
}

func TestSandboxAccessDeniedIsNotRetried(t *testing.T) {
	r := runSandboxAI(t, "happy", agent.Budgets{}, func(a *awsapi.Emulator) {
		a.SetFault("bedrock:Converse", awsapi.Fault{ErrorCode: "AccessDeniedException", Status: 403})
	})
	if r.st.Used || !strings.HasPrefix(r.st.ReasonUnused, "rejected: ") || r.calls["bedrock:Converse"] != 1 {
		t.Fatalf("status %+v calls %v", r.st, r.calls)
	}
}

// The trail's userAgent carries an injection: it reaches the model only
// inside a tool result, and the citation it asks for is dropped.
func TestSandboxInjectedUserAgentStaysData(t *testing.T) {
	r := runSandboxAI(t, "happy", agent.Budgets{}, nil)
	seen := false
	for _, s := range r.tr.Steps {
		switch s.Kind {
		case "tool":
			seen = seen || strings.Contains(s.Output, "Ignore previous instructions")
		case "model":
			for _, b := range s.Sent {
				if strings.Contains(b.Text, "Ignore previous") {
					t.Fatalf("injected text sent as a text block: %q", b.Text)
				}
			}
		}
	}
	if !seen || strings.Contains(r.tr.System, "Ignore previous") {
		t.Fatalf("the user agent is not in a tool result (seen %v)", seen)
	}
}
