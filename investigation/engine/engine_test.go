package engine

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

	"github.com/trailhound/trailhound/investigation"
)

// fakeTrail answers lookups from a slice the way LookupEvents does: one
// region, one resource name, a window, newest first.
type fakeTrail struct {
	events  []investigation.Event
	fail    map[string]error // by resource name
	mu      sync.Mutex
	queries []investigation.Lookup
}

func (f *fakeTrail) Lookup(_ context.Context, q investigation.Lookup) (investigation.LookupResult, error) {
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.mu.Unlock()
	if err := f.fail[q.Value]; err != nil {
		return investigation.LookupResult{Calls: 1}, err
	}
	var out []investigation.Event
	for _, e := range f.events {
		if e.Region != q.Region || e.Time.Before(q.Start) || e.Time.After(q.End) {
			continue
		}
		if q.Key == investigation.AttrEventName {
			if e.Name == q.Value {
				out = append([]investigation.Event{e}, out...)
			}
			continue
		}
		for _, r := range e.Resources {
			if r.Name == q.Value {
				out = append([]investigation.Event{e}, out...)
				break
			}
		}
	}
	return investigation.LookupResult{Events: out, Calls: 1}, nil
}

type fakeTopology map[string][]investigation.Dependency

func (f fakeTopology) Dependencies(_ context.Context, r investigation.Resource) ([]investigation.Dependency, error) {
	deps, ok := f[r.ID]
	if !ok {
		return nil, investigation.ErrUnknownResource
	}
	return deps, nil
}

type fakeLogs map[string][]investigation.LogLine

func (f fakeLogs) Errors(_ context.Context, group string, start, end time.Time, limit int) ([]investigation.LogLine, error) {
	lines, ok := f[group]
	if !ok {
		return nil, investigation.ErrUnknownResource
	}
	var out []investigation.LogLine
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

func lambdaAlarm(region string) investigation.Alarm {
	return investigation.Alarm{
		Name: "checkout-errors", ARN: "arn:aws:cloudwatch:" + region + ":123456789012:alarm:checkout-errors",
		Account: "123456789012", Region: region, State: investigation.StateAlarm, StateChangeTime: symptom,
		Metrics: []investigation.Metric{{Namespace: "AWS/Lambda", Name: "Errors", Period: 60,
			Dimensions: []investigation.Dimension{{Name: "FunctionName", Value: "checkout"}}}},
		EvaluationPeriods: 1,
	}
}

type evOpt func(*investigation.Event)

func ev(id, source, name string, when time.Time, region string, res []investigation.EventResource, opts ...evOpt) investigation.Event {
	e := investigation.Event{ID: id, Source: source, Name: name, Time: when, Region: region, Resources: res,
		Actor: investigation.Actor{Name: "alice", Kind: investigation.ActorConsole}}
	for _, o := range opts {
		o(&e)
	}
	return e
}

func failedWith(code string) evOpt { return func(e *investigation.Event) { e.ErrorCode = code } }
func byActor(name string, kind investigation.ActorKind) evOpt {
	return func(e *investigation.Event) { e.Actor = investigation.Actor{Name: name, Kind: kind} }
}
func params(v string) evOpt {
	return func(e *investigation.Event) { e.RequestJSON = json.RawMessage(v) }
}

func fn(name string) []investigation.EventResource {
	return []investigation.EventResource{{Type: investigation.TypeLambdaFunction, Name: name}}
}
func role(name string) []investigation.EventResource {
	return []investigation.EventResource{{Type: investigation.TypeIAMRole, Name: name}}
}

var checkoutTopology = fakeTopology{
	"checkout": {
		{Resource: investigation.Resource{Type: investigation.TypeIAMRole, ID: "checkout-role"}, Relation: "Is associated with Role"},
		{Resource: investigation.Resource{Type: investigation.TypeSecurityGroup, ID: "sg-0abc"}, Relation: "Is associated with SecurityGroup"},
	},
}

func accessDenied(minutesBefore float64, n int) []investigation.LogLine {
	var out []investigation.LogLine
	for i := 0; i < n; i++ {
		out = append(out, investigation.LogLine{Group: "/aws/lambda/checkout", Time: at(minutesBefore - float64(i)*0.2),
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
		byActor("deploy-bot", investigation.ActorAutomation), params(`{"functionName":"checkout","memorySize":256}`))
	earlierDetach := ev("detach-early", "iam.amazonaws.com", "DetachRolePolicy", at(25), "us-east-1", role("checkout-role"), byActor("bob", investigation.ActorHuman))

	tests := []struct {
		name        string
		alarm       investigation.Alarm
		events      []investigation.Event
		logs        fakeLogs
		now         time.Time
		wantRank1   string // event id in rank 1, "" for none above low
		wantConf    investigation.Confidence
		wantHigh    int // candidates at high
		wantBlind   investigation.BlindSpotKind
		wantQueries []string // region/resource of each lookup, in order
	}{
		{
			name:      "layer 2 IAM change corroborated by AccessDenied in the logs",
			alarm:     lambdaAlarm("eu-west-1"),
			events:    []investigation.Event{detach, tag, failedUpdate, oldChange},
			logs:      fakeLogs{"/aws/lambda/checkout": accessDenied(5, 10)},
			now:       symptom.Add(10 * time.Minute),
			wantRank1: "detach", wantConf: investigation.ConfidenceHigh, wantHigh: 1,
			// The walk, then the longer look-back for trust-policy changes,
			// which bite at the next assume (AccessDenied and a role in
			// scope), then the breaking DynamoDB changes that refuse access,
			// since the errors name dynamodb:GetItem.
			wantQueries: []string{"eu-west-1/checkout", "us-east-1/checkout-role", "eu-west-1/sg-0abc", "us-east-1/UpdateAssumeRolePolicy", "eu-west-1/PutResourcePolicy"},
		},
		{
			name:      "without logs the same change is medium, never high",
			alarm:     lambdaAlarm("eu-west-1"),
			events:    []investigation.Event{detach, tag},
			now:       symptom.Add(10 * time.Minute),
			wantRank1: "detach", wantConf: investigation.ConfidenceMedium,
		},
		{
			name:      "errors credit the latest change of their kind, not an earlier one",
			alarm:     lambdaAlarm("eu-west-1"),
			events:    []investigation.Event{detach, earlierDetach, memory},
			logs:      fakeLogs{"/aws/lambda/checkout": accessDenied(5, 10)},
			now:       symptom.Add(10 * time.Minute),
			wantRank1: "detach", wantConf: investigation.ConfidenceHigh, wantHigh: 1,
		},
		{
			name:      "only metadata and failed calls: nothing above low, application blind spot",
			alarm:     lambdaAlarm("eu-west-1"),
			events:    []investigation.Event{tag, failedUpdate, oldChange},
			now:       symptom.Add(10 * time.Minute),
			wantBlind: investigation.BlindApplication,
		},
		{
			name:   "runtime errors with no change behind them",
			alarm:  lambdaAlarm("eu-west-1"),
			events: []investigation.Event{tag},
			logs: fakeLogs{"/aws/lambda/checkout": {
				{Time: at(4), Message: "Task timed out after 3.00 seconds"},
				{Time: at(3), Message: "Task timed out after 3.00 seconds"},
			}},
			now:       symptom.Add(10 * time.Minute),
			wantBlind: investigation.BlindRuntime,
		},
		{
			name:  "a deploy the application announced itself",
			alarm: lambdaAlarm("eu-west-1"),
			logs: fakeLogs{"/aws/lambda/checkout": {
				{Time: at(8), Message: `{"level":"info","msg":"feature flag new-pricing enabled"}`},
				{Time: at(6), Message: `{"level":"error","msg":"TypeError: cannot read properties of undefined (reading 'price')"}`},
			}},
			now:       symptom.Add(10 * time.Minute),
			wantBlind: investigation.BlindApplication,
		},
		{
			name:      "a symptom younger than CloudTrail's delivery lag says so first",
			alarm:     lambdaAlarm("eu-west-1"),
			events:    []investigation.Event{tag},
			now:       symptom.Add(2 * time.Minute),
			wantBlind: investigation.BlindDeliveryLag,
		},
		{
			name: "health metric with quiet logs points at the network",
			alarm: investigation.Alarm{Name: "api-unhealthy", Region: "eu-west-1", Account: "123456789012", State: investigation.StateAlarm,
				StateChangeTime: symptom, Metrics: []investigation.Metric{{Namespace: "AWS/ApplicationELB", Name: "UnHealthyHostCount", Period: 60,
					Dimensions: []investigation.Dimension{{Name: "TargetGroup", Value: "targetgroup/api/0123456789abcdef"}}}}},
			now:       symptom.Add(10 * time.Minute),
			wantBlind: investigation.BlindNetwork,
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
					// The walk's lookups end at the symptom; the lookup of a
					// candidate's previous call ends before its change.
					if !q.End.Equal(tc.alarm.StateChangeTime) {
						continue
					}
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
				if c.Confidence == investigation.ConfidenceHigh {
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
					if c.Confidence != investigation.ConfidenceLow {
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
	if _, err := eng.Triage(context.Background(), investigation.Alarm{Name: "x"}); err == nil {
		t.Fatal("want an error for an alarm without a state change time")
	}
}

func TestEvidenceRules(t *testing.T) {
	deniedBy := func(minutesBefore float64, policy string) investigation.LogLine {
		return investigation.LogLine{Group: "/aws/lambda/checkout", Time: at(minutesBefore),
			Message: "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/checkout-role/checkout is not authorized to perform: dynamodb:PutItem with an explicit deny in a " + policy + " policy"}
	}
	putRolePolicy := ev("put", "iam.amazonaws.com", "PutRolePolicy", at(8), "us-east-1", role("checkout-role"),
		params(`{"roleName":"checkout-role","policyName":"orders-write"}`))
	revoke5432 := ev("revoke-5432", "ec2.amazonaws.com", "RevokeSecurityGroupEgress", at(6), "eu-west-1",
		[]investigation.EventResource{{Type: investigation.TypeSecurityGroup, Name: "sg-0abc"}},
		params(`{"groupId":"sg-0abc","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":5432,"toPort":5432}]}}`))
	revoke3306 := ev("revoke-3306", "ec2.amazonaws.com", "RevokeSecurityGroupEgress", at(5.9), "eu-west-1",
		[]investigation.EventResource{{Type: investigation.TypeSecurityGroup, Name: "sg-0def"}},
		params(`{"groupId":"sg-0def","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":3306,"toPort":3306}]}}`))
	topo := fakeTopology{"checkout": {
		{Resource: investigation.Resource{Type: investigation.TypeIAMRole, ID: "checkout-role"}},
		{Resource: investigation.Resource{Type: investigation.TypeSecurityGroup, ID: "sg-0abc"}},
		{Resource: investigation.Resource{Type: investigation.TypeSecurityGroup, ID: "sg-0def"}},
	}}
	tests := []struct {
		name      string
		events    []investigation.Event
		logs      []investigation.LogLine
		wantRank1 string
		wantConf  investigation.Confidence
	}{
		{
			name:   "errors blaming a resource-based policy rule out an identity policy change",
			events: []investigation.Event{putRolePolicy},
			logs:   []investigation.LogLine{deniedBy(5, "resource-based"), deniedBy(4, "resource-based")},
			// Still listed, as a lead at most.
			wantRank1: "put", wantConf: investigation.ConfidenceLow,
		},
		{
			name:      "errors blaming an identity-based policy corroborate it",
			events:    []investigation.Event{putRolePolicy},
			logs:      []investigation.LogLine{deniedBy(5, "identity-based"), deniedBy(4, "identity-based")},
			wantRank1: "put", wantConf: investigation.ConfidenceHigh,
		},
		{
			name:   "of two same-kind changes, the one whose port the errors name",
			events: []investigation.Event{revoke5432, revoke3306},
			logs: []investigation.LogLine{
				{Time: at(5), Message: `connection to server at "10.20.14.37", port 5432 failed: timeout expired`},
				{Time: at(4), Message: `connection to server at "10.20.14.37", port 5432 failed: timeout expired`},
			},
			wantRank1: "revoke-5432", wantConf: investigation.ConfidenceHigh,
		},
		{
			name:   "an error episode that ended long before the alarm corroborates nothing",
			events: []investigation.Event{putRolePolicy},
			logs: []investigation.LogLine{
				{Time: at(40), Message: "AccessDeniedException: not authorized to perform: s3:GetObject"},
				{Time: at(38), Message: "AccessDeniedException: not authorized to perform: s3:GetObject"},
			},
			wantRank1: "put", wantConf: investigation.ConfidenceMedium,
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

// A change that cannot produce the workload's errors, when another change
// explains them, is evidence-weighed down and never above low.
func TestUnexplainedChangeIsDiscounted(t *testing.T) {
	detach := ev("detach", "iam.amazonaws.com", "DetachRolePolicy", at(9), "us-east-1", role("checkout-role"))
	memory := ev("memory", "lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", at(12), "eu-west-1", fn("checkout"),
		params(`{"functionName":"checkout","memorySize":256}`))
	eng := &Engine{Trail: &fakeTrail{events: []investigation.Event{detach, memory}}, Topology: checkoutTopology,
		Logs: fakeLogs{"/aws/lambda/checkout": accessDenied(8, 10)}, Now: func() time.Time { return symptom.Add(10 * time.Minute) }}
	rep, err := eng.Triage(context.Background(), lambdaAlarm("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Candidates) != 2 || rep.Candidates[0].Events[0].EventID != "detach" {
		t.Fatalf("candidates %+v, want the detach first", rep.Candidates)
	}
	m := rep.Candidates[1]
	if m.Confidence != investigation.ConfidenceLow || m.Breakdown.Corroboration >= 0 {
		t.Errorf("memory change: confidence %s, corroboration %.3f; want low and negative", m.Confidence, m.Breakdown.Corroboration)
	}
}
