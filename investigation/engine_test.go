package investigation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeTrail answers lookups from a slice the way LookupEvents does: one
// region, one resource name, a window, newest first.
type fakeTrail struct {
	events  []Event
	fail    map[string]error // by resource name
	mu      sync.Mutex
	queries []Lookup
}

func (f *fakeTrail) Lookup(_ context.Context, q Lookup) (LookupResult, error) {
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.mu.Unlock()
	if err := f.fail[q.Value]; err != nil {
		return LookupResult{Calls: 1}, err
	}
	var out []Event
	for _, e := range f.events {
		if e.Region != q.Region || e.Time.Before(q.Start) || e.Time.After(q.End) {
			continue
		}
		for _, r := range e.Resources {
			if r.Name == q.Value {
				out = append([]Event{e}, out...)
				break
			}
		}
	}
	return LookupResult{Events: out, Calls: 1}, nil
}

type fakeTopology map[string][]Dependency

func (f fakeTopology) Dependencies(_ context.Context, r Resource) ([]Dependency, error) {
	deps, ok := f[r.ID]
	if !ok {
		return nil, ErrUnknownResource
	}
	return deps, nil
}

type fakeLogs map[string][]LogLine

func (f fakeLogs) Errors(_ context.Context, group string, start, end time.Time, limit int) ([]LogLine, error) {
	lines, ok := f[group]
	if !ok {
		return nil, ErrUnknownResource
	}
	var out []LogLine
	for _, l := range lines {
		if !l.Time.Before(start) && l.Time.Before(end) && Noteworthy(l.Message) {
			out = append(out, l)
		}
	}
	return out, nil
}

var symptom = time.Date(2026, 3, 19, 14, 0, 0, 0, time.UTC)

func at(minutesBefore float64) time.Time {
	return symptom.Add(-time.Duration(minutesBefore * float64(time.Minute)))
}

func lambdaAlarm(region string) Alarm {
	return Alarm{
		Name: "checkout-errors", ARN: "arn:aws:cloudwatch:" + region + ":123456789012:alarm:checkout-errors",
		Account: "123456789012", Region: region, State: StateAlarm, StateChangeTime: symptom,
		Metrics: []Metric{{Namespace: "AWS/Lambda", Name: "Errors", Period: 60,
			Dimensions: []Dimension{{Name: "FunctionName", Value: "checkout"}}}},
		EvaluationPeriods: 1,
	}
}

type evOpt func(*Event)

func ev(id, source, name string, when time.Time, region string, res []EventResource, opts ...evOpt) Event {
	e := Event{ID: id, Source: source, Name: name, Time: when, Region: region, Resources: res,
		Actor: Actor{Name: "alice", Kind: ActorConsole}}
	for _, o := range opts {
		o(&e)
	}
	return e
}

func failedWith(code string) evOpt { return func(e *Event) { e.ErrorCode = code } }
func byActor(name string, kind ActorKind) evOpt {
	return func(e *Event) { e.Actor = Actor{Name: name, Kind: kind} }
}
func params(v string) evOpt { return func(e *Event) { e.RequestJSON = json.RawMessage(v) } }

func fn(name string) []EventResource   { return []EventResource{{Type: TypeLambdaFunction, Name: name}} }
func role(name string) []EventResource { return []EventResource{{Type: TypeIAMRole, Name: name}} }

var checkoutTopology = fakeTopology{
	"checkout": {
		{Resource: Resource{Type: TypeIAMRole, ID: "checkout-role"}, Relation: "Is associated with Role"},
		{Resource: Resource{Type: TypeSecurityGroup, ID: "sg-0abc"}, Relation: "Is associated with SecurityGroup"},
	},
}

func accessDenied(minutesBefore float64, n int) []LogLine {
	var out []LogLine
	for i := 0; i < n; i++ {
		out = append(out, LogLine{Group: "/aws/lambda/checkout", Time: at(minutesBefore - float64(i)*0.2),
			Message: "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/checkout-role/checkout is not authorized to perform: dynamodb:GetItem"})
	}
	return out
}

func TestTriage(t *testing.T) {
	detach := ev("detach", "iam.amazonaws.com", "DetachRolePolicy", at(6), "us-east-1", role("checkout-role"),
		params(`{"roleName":"checkout-role","policyArn":"arn:aws:iam::123456789012:policy/orders-read"}`))
	tag := ev("tag", "lambda.amazonaws.com", "TagResource20170331v2", at(1), "eu-west-1", fn("checkout"))
	failedUpdate := ev("failed", "lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", at(2), "eu-west-1", fn("checkout"), failedWith("AccessDenied"))
	oldChange := ev("old", "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", at(180), "eu-west-1", fn("checkout"))
	memory := ev("memory", "lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", at(20), "eu-west-1", fn("checkout"),
		byActor("deploy-bot", ActorAutomation), params(`{"functionName":"checkout","memorySize":256}`))
	earlierDetach := ev("detach-early", "iam.amazonaws.com", "DetachRolePolicy", at(25), "us-east-1", role("checkout-role"), byActor("bob", ActorHuman))

	tests := []struct {
		name        string
		alarm       Alarm
		events      []Event
		logs        fakeLogs
		now         time.Time
		wantRank1   string // event id in rank 1, "" for none above low
		wantConf    Confidence
		wantHigh    int // candidates at high
		wantBlind   BlindSpotKind
		wantQueries []string // region/resource of each lookup, in order
	}{
		{
			name:      "layer 2 IAM change corroborated by AccessDenied in the logs",
			alarm:     lambdaAlarm("eu-west-1"),
			events:    []Event{detach, tag, failedUpdate, oldChange},
			logs:      fakeLogs{"/aws/lambda/checkout": accessDenied(5, 10)},
			now:       symptom.Add(10 * time.Minute),
			wantRank1: "detach", wantConf: ConfidenceHigh, wantHigh: 1,
			wantQueries: []string{"eu-west-1/checkout", "us-east-1/checkout-role", "eu-west-1/sg-0abc"},
		},
		{
			name:      "without logs the same change is medium, never high",
			alarm:     lambdaAlarm("eu-west-1"),
			events:    []Event{detach, tag},
			now:       symptom.Add(10 * time.Minute),
			wantRank1: "detach", wantConf: ConfidenceMedium,
		},
		{
			name:      "errors credit the latest change of their kind, not an earlier one",
			alarm:     lambdaAlarm("eu-west-1"),
			events:    []Event{detach, earlierDetach, memory},
			logs:      fakeLogs{"/aws/lambda/checkout": accessDenied(5, 10)},
			now:       symptom.Add(10 * time.Minute),
			wantRank1: "detach", wantConf: ConfidenceHigh, wantHigh: 1,
		},
		{
			name:      "only metadata and failed calls: nothing above low, application blind spot",
			alarm:     lambdaAlarm("eu-west-1"),
			events:    []Event{tag, failedUpdate, oldChange},
			now:       symptom.Add(10 * time.Minute),
			wantBlind: BlindApplication,
		},
		{
			name:   "runtime errors with no change behind them",
			alarm:  lambdaAlarm("eu-west-1"),
			events: []Event{tag},
			logs: fakeLogs{"/aws/lambda/checkout": {
				{Time: at(4), Message: "Task timed out after 3.00 seconds"},
				{Time: at(3), Message: "Task timed out after 3.00 seconds"},
			}},
			now:       symptom.Add(10 * time.Minute),
			wantBlind: BlindRuntime,
		},
		{
			name:  "a deploy the application announced itself",
			alarm: lambdaAlarm("eu-west-1"),
			logs: fakeLogs{"/aws/lambda/checkout": {
				{Time: at(8), Message: `{"level":"info","msg":"feature flag new-pricing enabled"}`},
				{Time: at(6), Message: `{"level":"error","msg":"TypeError: cannot read properties of undefined (reading 'price')"}`},
			}},
			now:       symptom.Add(10 * time.Minute),
			wantBlind: BlindApplication,
		},
		{
			name:      "a symptom younger than CloudTrail's delivery lag says so first",
			alarm:     lambdaAlarm("eu-west-1"),
			events:    []Event{tag},
			now:       symptom.Add(2 * time.Minute),
			wantBlind: BlindDeliveryLag,
		},
		{
			name: "health metric with quiet logs points at the network",
			alarm: Alarm{Name: "api-unhealthy", Region: "eu-west-1", Account: "123456789012", State: StateAlarm,
				StateChangeTime: symptom, Metrics: []Metric{{Namespace: "AWS/ApplicationELB", Name: "UnHealthyHostCount", Period: 60,
					Dimensions: []Dimension{{Name: "TargetGroup", Value: "targetgroup/api/0123456789abcdef"}}}}},
			now:       symptom.Add(10 * time.Minute),
			wantBlind: BlindNetwork,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			trail := &fakeTrail{events: tc.events}
			eng := &Engine{Trail: trail, Topology: checkoutTopology, Now: func() time.Time { return tc.now }}
			if tc.logs != nil {
				eng.Logs = tc.logs
			}
			rep, err := eng.Triage(context.Background(), tc.alarm)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantQueries != nil {
				var got []string
				for _, q := range trail.queries {
					got = append(got, q.Region+"/"+q.Value)
				}
				// Regions are walked concurrently: compare as sets.
				slices.Sort(got)
				want := slices.Sorted(slices.Values(tc.wantQueries))
				if strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("lookups = %v, want %v", got, tc.wantQueries)
				}
			}
			high := 0
			for _, c := range rep.Candidates {
				if c.Confidence == ConfidenceHigh {
					high++
				}
				for _, e := range c.Events {
					if e.EventID == "failed" || e.EventID == "old" {
						t.Errorf("candidate #%d cites %s, which is not a change in the window", c.Rank, e.EventID)
					}
				}
				if got := c.Breakdown.Total(); fmt.Sprintf("%.2f", got) != fmt.Sprintf("%.2f", c.Score) {
					t.Errorf("candidate #%d: breakdown adds up to %.3f, score is %.3f", c.Rank, got, c.Score)
				}
			}
			if high != tc.wantHigh {
				t.Errorf("%d high candidates, want %d: %+v", high, tc.wantHigh, rep.Candidates)
			}
			if tc.wantRank1 != "" {
				if len(rep.Candidates) == 0 || rep.Candidates[0].Events[0].EventID != tc.wantRank1 {
					t.Fatalf("rank 1 = %+v, want event %s", rep.Candidates, tc.wantRank1)
				}
				if rep.Candidates[0].Confidence != tc.wantConf {
					t.Errorf("rank 1 confidence %s, want %s", rep.Candidates[0].Confidence, tc.wantConf)
				}
				if rep.Candidates[0].NextStep == "" || rep.Explanation.WhatChanged == "" || rep.Explanation.Why == "" {
					t.Errorf("rank 1 lacks a next step or explanation: %+v", rep.Explanation)
				}
			} else {
				for _, c := range rep.Candidates {
					if c.Confidence != ConfidenceLow {
						t.Errorf("candidate %q is %s, want nothing above low", c.Summary, c.Confidence)
					}
				}
			}
			if tc.wantBlind != "" && (len(rep.BlindSpots) == 0 || rep.BlindSpots[0].Kind != tc.wantBlind) {
				t.Errorf("blind spots = %+v, want %s first", rep.BlindSpots, tc.wantBlind)
			}
		})
	}
}

func TestTriageDegradesInsteadOfFailing(t *testing.T) {
	trail := &fakeTrail{fail: map[string]error{"checkout-role": errors.New("AccessDenied: cloudtrail:LookupEvents")}}
	eng := &Engine{Trail: trail, Topology: checkoutTopology, Limits: Limits{MaxLookups: 2},
		Now: func() time.Time { return symptom.Add(time.Hour) }}
	rep, err := eng.Triage(context.Background(), lambdaAlarm("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(rep.Notes, "\n")
	for _, want := range []string{"checkout-role not read: AccessDenied", "lookup budget of 2 queries spent"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if !rep.Stats.Truncated {
		t.Error("a walk stopped by its budget must say it is truncated")
	}
}

func TestTriageRejectsAlarmWithoutTime(t *testing.T) {
	eng := &Engine{Trail: &fakeTrail{}}
	if _, err := eng.Triage(context.Background(), Alarm{Name: "x"}); err == nil {
		t.Fatal("want an error for an alarm without a state change time")
	}
}

func TestEvidenceRules(t *testing.T) {
	deniedBy := func(minutesBefore float64, policy string) LogLine {
		return LogLine{Group: "/aws/lambda/checkout", Time: at(minutesBefore),
			Message: "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/checkout-role/checkout is not authorized to perform: dynamodb:PutItem with an explicit deny in a " + policy + " policy"}
	}
	putRolePolicy := ev("put", "iam.amazonaws.com", "PutRolePolicy", at(8), "us-east-1", role("checkout-role"),
		params(`{"roleName":"checkout-role","policyName":"orders-write"}`))
	revoke5432 := ev("revoke-5432", "ec2.amazonaws.com", "RevokeSecurityGroupEgress", at(6), "eu-west-1",
		[]EventResource{{Type: TypeSecurityGroup, Name: "sg-0abc"}},
		params(`{"groupId":"sg-0abc","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":5432,"toPort":5432}]}}`))
	revoke3306 := ev("revoke-3306", "ec2.amazonaws.com", "RevokeSecurityGroupEgress", at(5.9), "eu-west-1",
		[]EventResource{{Type: TypeSecurityGroup, Name: "sg-0def"}},
		params(`{"groupId":"sg-0def","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":3306,"toPort":3306}]}}`))
	topo := fakeTopology{"checkout": {
		{Resource: Resource{Type: TypeIAMRole, ID: "checkout-role"}},
		{Resource: Resource{Type: TypeSecurityGroup, ID: "sg-0abc"}},
		{Resource: Resource{Type: TypeSecurityGroup, ID: "sg-0def"}},
	}}
	tests := []struct {
		name      string
		events    []Event
		logs      []LogLine
		wantRank1 string
		wantConf  Confidence
	}{
		{
			name:   "errors blaming a resource-based policy rule out an identity policy change",
			events: []Event{putRolePolicy},
			logs:   []LogLine{deniedBy(5, "resource-based"), deniedBy(4, "resource-based")},
			// Still listed, as a lead at most.
			wantRank1: "put", wantConf: ConfidenceLow,
		},
		{
			name:      "errors blaming an identity-based policy corroborate it",
			events:    []Event{putRolePolicy},
			logs:      []LogLine{deniedBy(5, "identity-based"), deniedBy(4, "identity-based")},
			wantRank1: "put", wantConf: ConfidenceHigh,
		},
		{
			name:   "of two same-kind changes, the one whose port the errors name",
			events: []Event{revoke5432, revoke3306},
			logs: []LogLine{
				{Time: at(5), Message: `connection to server at "10.20.14.37", port 5432 failed: timeout expired`},
				{Time: at(4), Message: `connection to server at "10.20.14.37", port 5432 failed: timeout expired`},
			},
			wantRank1: "revoke-5432", wantConf: ConfidenceHigh,
		},
		{
			name:   "an error episode that ended long before the alarm corroborates nothing",
			events: []Event{putRolePolicy},
			logs: []LogLine{
				{Time: at(40), Message: "AccessDeniedException: not authorized to perform: s3:GetObject"},
				{Time: at(38), Message: "AccessDeniedException: not authorized to perform: s3:GetObject"},
			},
			wantRank1: "put", wantConf: ConfidenceMedium,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i := range tc.logs {
				tc.logs[i].Group = "/aws/lambda/checkout"
			}
			eng := &Engine{Trail: &fakeTrail{events: tc.events}, Topology: topo,
				Logs: fakeLogs{"/aws/lambda/checkout": tc.logs}, Now: func() time.Time { return symptom.Add(10 * time.Minute) }}
			rep, err := eng.Triage(context.Background(), lambdaAlarm("eu-west-1"))
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Candidates) == 0 || rep.Candidates[0].Events[0].EventID != tc.wantRank1 {
				t.Fatalf("rank 1 = %+v, want %s", rep.Candidates, tc.wantRank1)
			}
			if got := rep.Candidates[0].Confidence; got != tc.wantConf {
				t.Errorf("confidence %s, want %s: %+v", got, tc.wantConf, rep.Candidates[0].Claims)
			}
		})
	}
}

func TestRefineKind(t *testing.T) {
	service := func(req string) Event {
		return ev("u", "ecs.amazonaws.com", "UpdateService", at(5), "eu-west-1", nil, params(req))
	}
	tests := []struct {
		name string
		ev   Event
		want Category
	}{
		{"desired count alone scales", service(`{"cluster":"prod","service":"web","desiredCount":6}`), CategoryCapacity},
		{"a new task definition deploys", service(`{"cluster":"prod","service":"web","taskDefinition":"web:58"}`), CategoryDeployment},
		{"a forced deployment deploys", service(`{"service":"web","desiredCount":6,"forceNewDeployment":true}`), CategoryDeployment},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, ok := KindOf(tc.ev.Source, tc.ev.Name)
			if !ok {
				t.Fatal("UpdateService is not catalogued")
			}
			if got := refineKind(k, tc.ev).Category; got != tc.want {
				t.Errorf("category %s, want %s", got, tc.want)
			}
		})
	}
	memory := ev("m", "lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", at(5), "eu-west-1", nil, params(`{"functionName":"checkout","memorySize":512}`))
	k, _ := KindOf(memory.Source, memory.Name)
	if k = refineKind(k, memory); producesKind(k, ErrAccessDenied) || !producesKind(k, ErrExhaustion) {
		t.Errorf("a memory change should explain exhaustion, not AccessDenied: %v", k.Symptoms())
	}
}

// A change that cannot produce the workload's errors, when another change
// explains them, is evidence-weighed down and never above low.
func TestUnexplainedChangeIsDiscounted(t *testing.T) {
	detach := ev("detach", "iam.amazonaws.com", "DetachRolePolicy", at(9), "us-east-1", role("checkout-role"))
	memory := ev("memory", "lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", at(2), "eu-west-1", fn("checkout"),
		params(`{"functionName":"checkout","memorySize":256}`))
	eng := &Engine{Trail: &fakeTrail{events: []Event{detach, memory}}, Topology: checkoutTopology,
		Logs: fakeLogs{"/aws/lambda/checkout": accessDenied(8, 10)}, Now: func() time.Time { return symptom.Add(10 * time.Minute) }}
	rep, err := eng.Triage(context.Background(), lambdaAlarm("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Candidates) != 2 || rep.Candidates[0].Events[0].EventID != "detach" {
		t.Fatalf("candidates %+v, want the detach first", rep.Candidates)
	}
	m := rep.Candidates[1]
	if m.Confidence != ConfidenceLow || m.Breakdown.Corroboration >= 0 {
		t.Errorf("memory change: confidence %s, corroboration %.3f; want low and negative", m.Confidence, m.Breakdown.Corroboration)
	}
}
