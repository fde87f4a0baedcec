package store

// The shared suite's parts on what a triage leaves behind: thread state,
// replay artifacts, feedback, and the input the store refuses.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

func sampleReport() (investigation.Alarm, investigation.Report) {
	sct := time.Date(2026, 3, 19, 14, 0, 12, 345e6, time.UTC)
	fn := investigation.Resource{Type: "AWS::Lambda::Function", ID: "checkout", Region: "eu-west-1"}
	alarm := investigation.Alarm{
		Name: "checkout-errors", ARN: "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-errors",
		Account: "123456789012", Region: "eu-west-1", State: investigation.StateAlarm,
		StateChangeTime: sct, Reason: "Threshold Crossed",
		Metrics: []investigation.Metric{{Namespace: "AWS/Lambda", Name: "Errors",
			Dimensions: []investigation.Dimension{{Name: "FunctionName", Value: "checkout"}}, Stat: "Sum", Period: 60}},
		Delivery: investigation.DeliverySNSLambda, Resources: []investigation.Resource{fn},
	}
	report := investigation.Report{
		Alarm: investigation.AlarmSummary{Name: alarm.Name, ARN: alarm.ARN, Account: alarm.Account,
			Region: alarm.Region, State: alarm.State, StateChangeTime: sct, Resources: alarm.Resources},
		Window: investigation.Window{Start: sct.Add(-time.Hour), End: sct},
		Candidates: []investigation.Candidate{{
			Rank: 1, Summary: "DetachRolePolicy on checkout-role", Category: investigation.CategoryIAM,
			Confidence: investigation.ConfidenceHigh, Score: 0.91, Layer: 2,
			Resource: investigation.ResourceRef{Type: "AWS::IAM::Role", ID: "checkout-role"},
			Events: []investigation.EventRef{{EventID: "5c1e0a3b-1111-2222-3333-444455556666", EventName: "DetachRolePolicy",
				EventSource: "iam.amazonaws.com", EventTime: sct.Add(-7 * time.Minute), Actor: "alice", Region: "us-east-1",
				Link: investigation.EventLink("us-east-1", "5c1e0a3b-1111-2222-3333-444455556666")}},
			Claims: []investigation.Claim{{Text: "the policy was detached", Confidence: investigation.ConfidenceHigh,
				EventIDs: []string{"5c1e0a3b-1111-2222-3333-444455556666"}}},
			Breakdown: investigation.ScoreBreakdown{Time: 0.3, Layer: 0.1, Kind: 0.3, Corroboration: 0.2, Actor: 0.01},
			NextStep:  "re-attach the policy",
		}},
		Explanation: investigation.Explanation{WhatChanged: "a policy was detached", Why: "AccessDenied followed"},
		BlindSpots:  []investigation.BlindSpot{},
		Stats:       investigation.Stats{APICalls: map[string]int{"cloudtrail:LookupEvents": 4}, EventsScanned: 120, DurationMS: 2100},
	}
	return alarm, report
}

func testThreadState(t *testing.T, s *Store) {
	ctx := t.Context()
	thread := ThreadRef{Channel: "C0ALERTS", TS: "1773928800.000100"}
	if _, err := s.LoadThread(ctx, thread); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LoadThread of an unknown thread = %v, want ErrNotFound", err)
	}
	alarm, report := sampleReport()
	want := ThreadState{Alarm: alarm, Report: report, Window: report.Window,
		EvidenceEventIDs: []string{"5c1e0a3b-1111-2222-3333-444455556666", "0f0e0d0c-aaaa-bbbb-cccc-ddddeeeeffff"}}
	if err := s.SaveThread(ctx, thread, want); err != nil {
		t.Fatalf("SaveThread: %v", err)
	}
	got, err := s.LoadThread(ctx, thread)
	if err != nil {
		t.Fatalf("LoadThread: %v", err)
	}
	if got.Version != ThreadStateVersion || got.UpdatedAt.IsZero() {
		t.Errorf("loaded version %d, updated %v; want version %d and a time", got.Version, got.UpdatedAt, ThreadStateVersion)
	}
	want.Version, want.UpdatedAt = got.Version, got.UpdatedAt
	if !reflect.DeepEqual(got, want) {
		t.Errorf("thread state round trip differs:\n got %+v\nwant %+v", got, want)
	}
	ttl, err := s.rdb.PTTL(ctx, s.threadKey(thread)).Result()
	if err != nil || ttl < DefaultThreadTTL-time.Minute {
		t.Errorf("thread state TTL = %s, %v; want about %s", ttl, err, DefaultThreadTTL)
	}

	newer := ThreadRef{Channel: "C0ALERTS", TS: "1773928800.000200"}
	if err := s.rdb.Set(ctx, s.threadKey(newer), `{"version":99}`, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LoadThread(ctx, newer); err == nil {
		t.Error("LoadThread of a newer layout succeeded, want an error naming the version")
	}
}

func testArtifactRoundTrip(t *testing.T, s *Store) {
	ctx := t.Context()
	if _, err := s.LoadArtifact(ctx, "nosuchartifact"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LoadArtifact of an unknown id = %v, want ErrNotFound", err)
	}
	_, report := sampleReport()
	started := time.Date(2026, 3, 19, 14, 1, 0, 0, time.UTC)
	steps := []Step{
		{Kind: StepToolCall, Name: "cloudtrail:LookupEvents", Input: json.RawMessage(`{"LookupAttributes":[{"AttributeKey":"ResourceName","AttributeValue":"checkout"}]}`),
			Output: json.RawMessage(`{"Events":[]}`), Started: started, Duration: 180 * time.Millisecond},
		{Kind: StepModelTurn, Name: "converse", Input: json.RawMessage(`{"messages":1}`), Started: started.Add(time.Second),
			Duration: 2 * time.Second, Error: "ThrottlingException: rate exceeded"},
	}
	id, err := s.SaveArtifact(ctx, Artifact{Report: report, Steps: steps})
	if err != nil {
		t.Fatalf("SaveArtifact: %v", err)
	}
	got, err := s.LoadArtifact(ctx, id)
	if err != nil {
		t.Fatalf("LoadArtifact(%s): %v", id, err)
	}
	report.ArtifactID = id
	want := Artifact{Version: ArtifactVersion, ID: id, CreatedAt: got.CreatedAt, Report: report, Steps: steps}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("artifact round trip differs:\n got %+v\nwant %+v", got, want)
	}
	raw, err := s.rdb.Get(ctx, s.artifactKey(id)).Bytes()
	if err != nil || !bytes.HasPrefix(raw, []byte{0x1f, 0x8b}) {
		t.Errorf("stored artifact is not gzip (err %v)", err)
	}
	ttl, err := s.rdb.PTTL(ctx, s.artifactKey(id)).Result()
	if err != nil || ttl < DefaultArtifactTTL-time.Minute {
		t.Errorf("artifact TTL = %s, %v; want about %s", ttl, err, DefaultArtifactTTL)
	}

	// The report can name its artifact before the artifact is saved.
	pre := NewArtifactID()
	report.ArtifactID = pre
	if id, err := s.SaveArtifact(ctx, Artifact{Report: report}); err != nil || id != pre {
		t.Errorf("SaveArtifact with the report's id = %q, %v; want %q", id, err, pre)
	}
	if _, err := s.SaveArtifact(ctx, Artifact{ID: "other", Report: report}); err == nil {
		t.Error("SaveArtifact with conflicting ids succeeded")
	}
	bad := []Step{{Kind: StepToolCall, Name: "iam:GetRole", Output: json.RawMessage(`{not json`)}}
	if _, err := s.SaveArtifact(ctx, Artifact{Steps: bad}); err == nil {
		t.Error("SaveArtifact with an invalid JSON output succeeded")
	}
}

func testArtifactCap(t *testing.T, s *Store) {
	ctx := t.Context()
	const limit = 48 << 10
	s.opts.MaxArtifactBytes = limit
	_, report := sampleReport()
	// Incompressible payloads of distinct sizes, 8 KiB to 27 KiB of output:
	// far over the limit together.
	var steps []Step
	for i := range 20 {
		steps = append(steps, Step{Kind: StepToolCall, Name: fmt.Sprintf("tool-%d", i),
			Input: randomJSON(t, 256), Output: randomJSON(t, 8<<10+i<<10)})
	}
	id, err := s.SaveArtifact(ctx, Artifact{Report: report, Steps: steps})
	if err != nil {
		t.Fatalf("SaveArtifact over the cap: %v", err)
	}
	raw, err := s.rdb.Get(ctx, s.artifactKey(id)).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) > limit {
		t.Errorf("stored %d bytes, over the %d-byte cap", len(raw), limit)
	}
	got, err := s.LoadArtifact(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Truncated || got.DroppedBytes == 0 {
		t.Errorf("truncated = %v, dropped %d bytes; want marked truncated", got.Truncated, got.DroppedBytes)
	}
	if got.Report.Candidates[0].Summary != report.Candidates[0].Summary || len(got.Steps) != len(steps) {
		t.Errorf("report or step list lost: %d steps", len(got.Steps))
	}
	smallestDropped, largestKept := 1<<30, 0
	for i, st := range got.Steps {
		if st.InputDroppedBytes > 0 {
			t.Errorf("step %d lost its input while outputs could go first", i)
		}
		if st.OutputDroppedBytes > 0 {
			if st.Output != nil || st.OutputDroppedBytes != len(steps[i].Output) {
				t.Errorf("step %d: dropped output recorded as %d bytes, was %d", i, st.OutputDroppedBytes, len(steps[i].Output))
			}
			smallestDropped = min(smallestDropped, st.OutputDroppedBytes)
		} else {
			largestKept = max(largestKept, len(st.Output))
		}
	}
	if largestKept > smallestDropped {
		t.Errorf("kept a %d-byte output while dropping a %d-byte one: largest should go first", largestKept, smallestDropped)
	}
	if len(steps[19].Output) == 0 {
		t.Error("SaveArtifact modified the caller's steps")
	}
}

// randomJSON is an incompressible JSON string of about n bytes.
func randomJSON(t *testing.T, n int) json.RawMessage {
	t.Helper()
	// An xorshift sequence seeded by n: incompressible yet reproducible.
	out := make([]byte, 0, n+2)
	out = append(out, '"')
	x := uint64(n)*0x9E3779B97F4A7C15 + 1
	for range n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		out = append(out, "0123456789abcdef"[x&15])
	}
	out = append(out, '"')
	return out
}

func testFeedback(t *testing.T, s *Store) {
	ctx := t.Context()
	thread := ThreadRef{Channel: "C0ALERTS", TS: "1773928800.000100"}
	artifact := "a1b2c3d4e5f6g7h8"
	at := time.Date(2026, 3, 19, 14, 10, 0, 0, time.UTC)
	votes := []Feedback{
		{FeedbackSubject: FeedbackSubject{ArtifactID: artifact, Thread: thread}, CandidateRank: 1,
			EventIDs: []string{"5c1e0a3b-1111-2222-3333-444455556666"}, Vote: VoteUp, User: "U01ALICE", At: at},
		{FeedbackSubject: FeedbackSubject{ArtifactID: artifact}, CandidateRank: 2, Vote: VoteDown, User: "U02BOB",
			CorrectCause: []string{"0f0e0d0c-aaaa-bbbb-cccc-ddddeeeeffff"}, At: at.Add(time.Minute)},
		{FeedbackSubject: FeedbackSubject{Thread: thread}, Vote: VoteDown, User: "U03CAROL"},
	}
	for i, v := range votes {
		if err := s.SaveFeedback(ctx, v); err != nil {
			t.Fatalf("SaveFeedback %d: %v", i, err)
		}
	}
	byArtifact, err := s.ListFeedback(ctx, FeedbackSubject{ArtifactID: artifact})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(byArtifact, votes[:2]) {
		t.Errorf("feedback by artifact:\n got %+v\nwant %+v", byArtifact, votes[:2])
	}
	byThread, err := s.ListFeedback(ctx, FeedbackSubject{Thread: thread})
	if err != nil {
		t.Fatal(err)
	}
	if len(byThread) != 2 || byThread[0].User != "U01ALICE" || byThread[1].User != "U03CAROL" || byThread[1].At.IsZero() {
		t.Errorf("feedback by thread = %+v, want Alice's then Carol's (with a time)", byThread)
	}
	for _, bad := range []Feedback{
		{FeedbackSubject: FeedbackSubject{ArtifactID: artifact}, Vote: "meh", User: "U01"},
		{FeedbackSubject: FeedbackSubject{ArtifactID: artifact}, Vote: VoteUp},
		{Vote: VoteUp, User: "U01"},
		{FeedbackSubject: FeedbackSubject{ArtifactID: "Bad Id"}, Vote: VoteUp, User: "U01"},
	} {
		if err := s.SaveFeedback(ctx, bad); err == nil {
			t.Errorf("SaveFeedback(%+v) succeeded, want a validation error", bad)
		}
	}
	// The list is bounded.
	spam := FeedbackSubject{ArtifactID: "spammed"}
	for i := range MaxFeedbackPerSubject + 5 {
		if err := s.SaveFeedback(ctx, Feedback{FeedbackSubject: spam, Vote: VoteUp, User: fmt.Sprintf("U%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.ListFeedback(ctx, spam)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != MaxFeedbackPerSubject || all[0].User != "U5" {
		t.Errorf("kept %d votes starting with %s, want the newest %d", len(all), all[0].User, MaxFeedbackPerSubject)
	}
}

func testPrefixes(t *testing.T, s *Store) {
	other := peer(t, s)
	other.opts.KeyPrefix = s.opts.KeyPrefix + "staging:"
	key := testKey("20260319T1400Z")
	mustClaim(t, s, key, "prod-1", testLease, ClaimWon)
	mustClaim(t, other, key, "staging-1", testLease, ClaimWon)
}

func testBadInput(t *testing.T, s *Store) {
	ctx := t.Context()
	good := testKey("20260319T1400Z")
	tests := []struct {
		name string
		call func() error
	}{
		{"empty ARN", func() error { k := good; k.AlarmARN = ""; _, err := s.ClaimAlarm(ctx, k, "r", 0); return err }},
		{"not an ARN", func() error { k := good; k.AlarmARN = "checkout"; _, err := s.ClaimAlarm(ctx, k, "r", 0); return err }},
		{"empty episode", func() error { k := good; k.Episode = ""; _, err := s.ClaimAlarm(ctx, k, "r", 0); return err }},
		{"colon in region", func() error { k := good; k.Region = "eu:west"; _, err := s.ClaimAlarm(ctx, k, "r", 0); return err }},
		{"empty owner", func() error { _, err := s.ClaimAlarm(ctx, good, "", 0); return err }},
		{"owner with space", func() error { _, err := s.ClaimAlarm(ctx, good, "a b", 0); return err }},
		{"thread without ts", func() error { return s.SetThread(ctx, good, ThreadRef{Channel: "C1"}) }},
		{"thread without channel", func() error { _, err := s.LoadThread(ctx, ThreadRef{TS: "1.2"}); return err }},
		{"empty envelope id", func() error { _, err := s.ClaimEnvelope(ctx, "", 0); return err }},
		{"lock without ttl", func() error { _, err := s.Lock(ctx, "x", 0); return err }},
		{"lock name with newline", func() error { _, err := s.Lock(ctx, "x\ny", time.Second); return err }},
		{"artifact id with slash", func() error { _, err := s.LoadArtifact(ctx, "../x"); return err }},
		{"latest of a non-ARN", func() error { _, err := s.LatestThread(ctx, "checkout-errors"); return err }},
	}
	for _, tc := range tests {
		err := tc.call()
		if err == nil || errors.Is(err, ErrUnavailable) {
			t.Errorf("%s: error = %v, want a validation error", tc.name, err)
		}
	}
}
