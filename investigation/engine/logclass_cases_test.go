package engine

import (
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// TestMeasuredNumbersAreNoStatus: a duration, a size or the digits of a clock
// that happen to read 401, 404 or 503 say nothing failed; a status does.
func TestMeasuredNumbersAreNoStatus(t *testing.T) {
	for _, tc := range []struct {
		line string
		want investigation.ErrorKind
	}{
		{`{"level":"info","msg":"psp authorize ok","status":200,"elapsedMs":404}`, ""},
		{`{"level":"info","msg":"sent","channel":"sms","ms": 401}`, ""},
		{`2026-03-26 10:21:42.503 INFO request served`, ""},
		{`REPORT RequestId: 1 Duration: 503.20 ms Billed Duration: 504 ms`, ""},
		{`{"msg":"request completed","url":"/healthz","status": 404,"duration_ms": 45}`, investigation.ErrNotFound},
		{`10.0.1.7 - - "GET /orders HTTP/1.1" 503 0`, investigation.ErrUnavailable},
		{`(service web) is unable to consistently start tasks successfully.`, investigation.ErrConfig},
	} {
		if got := ClassifyLine(tc.line); got != tc.want {
			t.Errorf("%s: kind %q, want %q", tc.line, got, tc.want)
		}
	}
}

// TestDefaultLogGroups: without a log group in the topology, the console's
// default names for an ECS family and a state machine are read.
func TestDefaultLogGroups(t *testing.T) {
	svc := investigation.Resource{Type: investigation.TypeECSService, ID: "payments-gateway"}
	sm := &scoped{Resource: investigation.Resource{Type: investigation.TypeStateMachine,
		ID: "arn:aws:states:eu-west-1:123456789012:stateMachine:refunds"}, Layer: 1}
	td := &scoped{Resource: investigation.Resource{Type: typeTaskDefinition, ID: "payments-gateway:212"},
		Layer: 2, Depth: 1, Parent: svc}
	tr := &triage{targets: []*scoped{sm, td}}
	names := func() []string {
		var out []string
		for _, g := range tr.logGroups() {
			out = append(out, g.name)
		}
		return out
	}
	got := names()
	want := []string{"/aws/vendedlogs/states/refunds-Logs", "/ecs/payments-gateway"}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("groups %v, want %v", got, want)
	}
	named := &scoped{Resource: investigation.Resource{Type: investigation.TypeLogGroup, ID: "/custom/payments"}, Layer: 2}
	tr.targets = append(tr.targets, named)
	if got := names(); len(got) != 1 || got[0] != "/custom/payments" {
		t.Errorf("with a named group: %v, want only it", got)
	}
}

// TestPrincipalOf: a session's ARN in an error line names its role; the ARN
// of a run names nothing the trail changes.
func TestPrincipalOf(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:sts::123456789012:assumed-role/api-exec/8f1c2d":      "api-exec",
		"arn:aws:states:eu-west-1:123456789012:execution:refunds:9e1": "",
		"arn:aws:ecs:us-east-1:123456789012:task/prod/0a1b":           "",
		"arn:aws:kms:us-east-1:123456789012:key/1234":                 "arn:aws:kms:us-east-1:123456789012:key/1234",
		"sg-0123456789abcdef0":                                        "sg-0123456789abcdef0",
	} {
		if got := principalOf(in); got != want {
			t.Errorf("principalOf(%s) = %q, want %q", in, got, want)
		}
	}
}

// TestPendingPrevious: a modification's response still shows the old value
// of what it left pending.
func TestPendingPrevious(t *testing.T) {
	resp := []byte(`{"dBInstanceClass":"db.r6g.8xlarge","allocatedStorage":2000,"pendingModifiedValues":{"dBInstanceClass":"db.r6g.2xlarge"}}`)
	got := pendingPrevious(resp)
	if len(got) != 1 || got[0].Key != "dBInstanceClass" || got[0].Was != "db.r6g.8xlarge" || got[0].Now != "db.r6g.2xlarge" {
		t.Errorf("got %+v", got)
	}
	if got := pendingPrevious([]byte(`{"dBInstanceClass":"db.r6g.2xlarge","pendingModifiedValues":{}}`)); len(got) != 0 {
		t.Errorf("nothing pending: got %+v", got)
	}
	if k := ClassifyLine(`{"level":"error","err":"error: sorry, too many clients already","code":"53300"}`); k != investigation.ErrThrottled {
		t.Errorf("a full connection table is a limit: kind %q", k)
	}
}

// TestAgoSaysHoursAndDays: long delays read in hours or days, not minutes.
func TestAgoSaysHoursAndDays(t *testing.T) {
	for d, want := range map[time.Duration]string{
		40 * time.Second:             "40s",
		12 * time.Minute:             "12 min",
		157 * time.Minute:            "2 h 37 min",
		3 * time.Hour:                "3 h",
		39 * time.Hour:               "39 h",
		9*24*time.Hour + 5*time.Hour: "9 days",
	} {
		if got := ago(d); got != want {
			t.Errorf("ago(%v) = %q, want %q", d, got, want)
		}
	}
}
