package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// Durations short enough for a real Redis and long enough that command
// latency on a busy machine cannot blur them.
const (
	testLease  = 600 * time.Millisecond
	testWindow = 800 * time.Millisecond
)

// testStore runs the same behaviour checks against any backend.
func testStore(t *testing.T, open func(t *testing.T) *Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s *Store)
	}{
		{"claim race has one winner", testClaimRace},
		{"claim lifecycle", testClaimLifecycle},
		{"expired lease is taken over", testLeaseTakeover},
		{"renew extends only the owner's lease", testRenew},
		{"Redis itself expires leases", testRealExpiry},
		{"hold renews until lost", testHold},
		{"release makes the episode claimable", testRelease},
		{"complete after expiry with no rival", testCompleteAfterExpiry},
		{"episode and latest threads", testThreads},
		{"envelope claims", testEnvelopes},
		{"work is recorded once, read once, taken over when idle", testWork},
		{"work survives the group being lost", testWorkAfterFlush},
		{"a retried claim finds its own", testClaimRetried},
		{"lock contention and compare-and-delete", testLock},
		{"thread state round trip", testThreadState},
		{"artifact round trip", testArtifactRoundTrip},
		{"artifact size cap", testArtifactCap},
		{"feedback", testFeedback},
		{"key prefixes isolate deployments", testPrefixes},
		{"bad input is named", testBadInput},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

func testKey(episode string) AlarmKey {
	return AlarmKey{
		Account:  "123456789012",
		Region:   "eu-west-1",
		AlarmARN: "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-errors",
		Episode:  Episode(episode),
	}
}

func mustClaim(t *testing.T, s *Store, key AlarmKey, owner string, lease time.Duration, want ClaimState) Claim {
	t.Helper()
	c, err := s.ClaimAlarm(t.Context(), key, owner, lease)
	if err != nil {
		t.Fatalf("ClaimAlarm(%s, %s): %v", key, owner, err)
	}
	if c.State != want {
		t.Fatalf("ClaimAlarm(%s, %s) = %s (owner %q), want %s", key, owner, c.State, c.Owner, want)
	}
	if (c.Lease != nil) != (want == ClaimWon) {
		t.Fatalf("ClaimAlarm(%s, %s): lease set = %v in state %s", key, owner, c.Lease != nil, c.State)
	}
	return c
}

func testClaimRace(t *testing.T, s *Store) {
	replicas := []*Store{s, peer(t, s)}
	key := testKey("20260319T1400Z")
	const n = 50
	claims := make([]Claim, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			claims[i], errs[i] = replicas[i%2].ClaimAlarm(t.Context(), key, fmt.Sprintf("replica-%d", i), testLease)
		})
	}
	close(start)
	wg.Wait()
	winner := ""
	for i, c := range claims {
		if errs[i] != nil {
			t.Fatalf("claim %d: %v", i, errs[i])
		}
		if c.State == ClaimWon {
			if winner != "" {
				t.Fatalf("two winners: %s and %s", winner, c.Owner)
			}
			winner = c.Owner
		}
	}
	if winner == "" {
		t.Fatal("no claim won")
	}
	for i, c := range claims {
		if c.State == ClaimWon {
			continue
		}
		if c.State != ClaimRunning || c.Owner != winner || c.TTL <= 0 || c.TTL > testLease {
			t.Errorf("claim %d = %+v, want running by %s with a TTL within the lease", i, c, winner)
		}
	}
}

func testClaimLifecycle(t *testing.T, s *Store) {
	ctx := t.Context()
	key := testKey("20260319T1400Z")
	won := mustClaim(t, s, key, "replica-a", testLease, ClaimWon)
	if !won.Thread.IsZero() {
		t.Errorf("fresh claim has thread %v", won.Thread)
	}
	placeholder := ThreadRef{Channel: "C0ALERTS", TS: "1773928800.000100"}
	if err := s.SetThread(ctx, key, placeholder); err != nil {
		t.Fatalf("SetThread: %v", err)
	}
	running := mustClaim(t, s, key, "replica-b", testLease, ClaimRunning)
	if running.Owner != "replica-a" || running.Thread != placeholder {
		t.Errorf("running claim = %+v, want owner replica-a and thread %v", running, placeholder)
	}
	if err := won.Lease.Renew(ctx); err != nil {
		t.Fatalf("Renew by owner: %v", err)
	}
	if err := won.Lease.Complete(ctx, placeholder, testWindow); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	// A retried Complete (lost reply) must not report a lost lease.
	if err := won.Lease.Complete(ctx, placeholder, testWindow); err != nil {
		t.Fatalf("Complete again: %v", err)
	}
	advance(t, s, testWindow/2)
	done := mustClaim(t, s, key, "replica-b", testLease, ClaimDone)
	if done.Owner != "replica-a" || done.Thread != placeholder || done.TTL <= 0 || done.TTL > testWindow {
		t.Errorf("done claim = %+v, want owner replica-a, thread %v, TTL within the window", done, placeholder)
	}
	if err := won.Lease.Renew(ctx); !errors.Is(err, ErrNotOwner) {
		t.Errorf("Renew after Complete = %v, want ErrNotOwner", err)
	}
	advance(t, s, testWindow)
	again := mustClaim(t, s, key, "replica-b", testLease, ClaimWon)
	// The episode's thread outlives the dedup window: a late re-fire can
	// still reply in the same thread.
	if again.Thread != placeholder {
		t.Errorf("claim after the window: thread %v, want %v", again.Thread, placeholder)
	}
}

func testLeaseTakeover(t *testing.T, s *Store) {
	ctx := t.Context()
	key := testKey("20260319T1400Z")
	a := mustClaim(t, s, key, "replica-a", testLease, ClaimWon)
	thread := ThreadRef{Channel: "C0ALERTS", TS: "1773928800.000100"}
	if err := s.SetThread(ctx, key, thread); err != nil {
		t.Fatalf("SetThread: %v", err)
	}
	advance(t, s, testLease+testLease/2) // replica-a died and stopped renewing
	b := mustClaim(t, s, key, "replica-b", testLease, ClaimWon)
	if b.Thread != thread {
		t.Errorf("take-over claim thread = %v, want the placeholder %v", b.Thread, thread)
	}
	if err := a.Lease.Renew(ctx); !errors.Is(err, ErrNotOwner) {
		t.Errorf("old owner's Renew = %v, want ErrNotOwner", err)
	}
	if err := a.Lease.Complete(ctx, thread, testWindow); !errors.Is(err, ErrNotOwner) {
		t.Errorf("old owner's Complete = %v, want ErrNotOwner", err)
	}
	if err := a.Lease.Release(ctx); !errors.Is(err, ErrNotOwner) {
		t.Errorf("old owner's Release = %v, want ErrNotOwner", err)
	}
	c := mustClaim(t, s, key, "replica-c", testLease, ClaimRunning)
	if c.Owner != "replica-b" {
		t.Errorf("after the old owner's attempts the claim is held by %q, want replica-b", c.Owner)
	}
}

func testRealExpiry(t *testing.T, s *Store) {
	key := testKey("20260319T1400Z")
	const lease = 200 * time.Millisecond
	mustClaim(t, s, key, "replica-a", lease, ClaimWon)
	start := time.Now()
	for {
		sleep(t, s, 25*time.Millisecond)
		c, err := s.ClaimAlarm(t.Context(), key, "replica-b", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if c.State == ClaimWon {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("lease of %s still held after %s", lease, time.Since(start))
		}
	}
	if waited := time.Since(start); waited < lease-10*time.Millisecond {
		t.Errorf("taken over after %s, before the %s lease ran out", waited, lease)
	}
}

func testRenew(t *testing.T, s *Store) {
	ctx := t.Context()
	key := testKey("20260319T1400Z")
	a := mustClaim(t, s, key, "replica-a", testLease, ClaimWon)
	intruder := &Lease{s: s, key: key, token: "replica-x/forged", lease: time.Hour}
	if err := intruder.Renew(ctx); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("Renew by non-owner = %v, want ErrNotOwner", err)
	}
	advance(t, s, testLease*2/3)
	if err := a.Lease.Renew(ctx); err != nil {
		t.Fatalf("Renew: %v", err)
	}
	advance(t, s, testLease*2/3) // past the original lease, within the renewed one
	mustClaim(t, s, key, "replica-b", testLease, ClaimRunning)
	advance(t, s, testLease/2)
	mustClaim(t, s, key, "replica-b", testLease, ClaimWon)
}

func testHold(t *testing.T, s *Store) {
	key := testKey("20260319T1400Z")
	a := mustClaim(t, s, key, "replica-a", testLease, ClaimWon)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	held := make(chan error, 1)
	go func() { held <- a.Lease.Hold(ctx, 20*time.Millisecond) }()

	// Time passes beyond the lease; Hold keeps it alive.
	for range 3 {
		advance(t, s, testLease/2)
		waitFor(t, "the lease to be renewed", func() bool {
			ttl, err := s.rdb.PTTL(t.Context(), s.claimKey(key)).Result()
			return err == nil && ttl > testLease*3/4
		})
	}
	mustClaim(t, s, key, "replica-b", testLease, ClaimRunning)

	// Someone deletes the claim and takes it: Hold notices.
	if err := s.rdb.Del(t.Context(), s.claimKey(key)).Err(); err != nil {
		t.Fatal(err)
	}
	mustClaim(t, s, key, "replica-b", testLease, ClaimWon)
	select {
	case err := <-held:
		if !errors.Is(err, ErrNotOwner) {
			t.Fatalf("Hold = %v, want ErrNotOwner", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Hold did not notice the lost lease")
	}

	// A Hold whose context ends returns nil.
	c := mustClaim(t, s, testKey("20260319T1500Z"), "replica-a", testLease, ClaimWon)
	ctx2, cancel2 := context.WithCancel(t.Context())
	go func() { held <- c.Lease.Hold(ctx2, 20*time.Millisecond) }()
	cancel2()
	if err := <-held; err != nil {
		t.Fatalf("Hold after cancel = %v, want nil", err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func testRelease(t *testing.T, s *Store) {
	ctx := t.Context()
	key := testKey("20260319T1400Z")
	a := mustClaim(t, s, key, "replica-a", testLease, ClaimWon)
	if err := a.Lease.Release(ctx); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := a.Lease.Release(ctx); err != nil {
		t.Fatalf("second Release = %v, want nil (nothing left to release)", err)
	}
	b := mustClaim(t, s, key, "replica-b", testLease, ClaimWon)
	if err := a.Lease.Release(ctx); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("Release of a re-claimed episode = %v, want ErrNotOwner", err)
	}
	mustClaim(t, s, key, "replica-c", testLease, ClaimRunning)
	if err := b.Lease.Release(ctx); err != nil {
		t.Fatalf("Release by the new owner: %v", err)
	}
}

func testCompleteAfterExpiry(t *testing.T, s *Store) {
	key := testKey("20260319T1400Z")
	a := mustClaim(t, s, key, "replica-a", testLease, ClaimWon)
	advance(t, s, testLease*2)
	thread := ThreadRef{Channel: "C0ALERTS", TS: "1773928800.000100"}
	if err := a.Lease.Complete(t.Context(), thread, testWindow); err != nil {
		t.Fatalf("Complete of an expired, unclaimed lease: %v", err)
	}
	d := mustClaim(t, s, key, "replica-b", testLease, ClaimDone)
	if d.Thread != thread {
		t.Errorf("done thread = %v, want %v", d.Thread, thread)
	}
}

func testThreads(t *testing.T, s *Store) {
	ctx := t.Context()
	first, second := testKey("20260319T1400Z"), testKey("20260319T1530Z")
	arn := first.AlarmARN
	if _, err := s.ThreadFor(ctx, first); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ThreadFor unknown episode = %v, want ErrNotFound", err)
	}
	if _, err := s.LatestThread(ctx, arn); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LatestThread unknown alarm = %v, want ErrNotFound", err)
	}
	t1 := ThreadRef{Channel: "C0ALERTS", TS: "1773928800.000100"}
	t2 := ThreadRef{Channel: "C0ALERTS", TS: "1773934200.000200"}
	if err := s.SetThread(ctx, second, t2); err != nil {
		t.Fatal(err)
	}
	// A late write for the earlier episode must not move "latest" back.
	c := mustClaim(t, s, first, "replica-a", testLease, ClaimWon)
	if err := c.Lease.Complete(ctx, t1, testWindow); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key  AlarmKey
		want ThreadRef
	}{{first, t1}, {second, t2}} {
		got, err := s.ThreadFor(ctx, tc.key)
		if err != nil || got != tc.want {
			t.Errorf("ThreadFor(%s) = %v, %v; want %v", tc.key, got, err, tc.want)
		}
	}
	latest, err := s.LatestThread(ctx, arn)
	if err != nil || latest != (EpisodeThread{Episode: second.Episode, Thread: t2}) {
		t.Errorf("LatestThread = %+v, %v; want episode %s thread %v", latest, err, second.Episode, t2)
	}
	ttl, err := s.rdb.PTTL(ctx, s.episodeThreadKey(first)).Result()
	if err != nil || ttl < DefaultThreadTTL-time.Minute {
		t.Errorf("episode thread TTL = %s, %v; want about %s", ttl, err, DefaultThreadTTL)
	}
}

func testEnvelopes(t *testing.T, s *Store) {
	ctx := t.Context()
	replicas := []*Store{s, peer(t, s)}
	const n = 50
	wins := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			wins[i], errs[i] = replicas[i%2].ClaimEnvelope(ctx, "9d1a2c3e-0f4b-4c1e-8a55-0123456789ab", 0)
		})
	}
	wg.Wait()
	won := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("ClaimEnvelope %d: %v", i, errs[i])
		}
		if wins[i] {
			won++
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d replicas handled the envelope, want exactly 1", won, n)
	}
	if ok, err := s.ClaimEnvelope(ctx, "another-envelope", 0); err != nil || !ok {
		t.Fatalf("ClaimEnvelope(another) = %v, %v; want true", ok, err)
	}
	advance(t, s, DefaultEnvelopeTTL-time.Minute)
	if ok, err := s.ClaimEnvelope(ctx, "9d1a2c3e-0f4b-4c1e-8a55-0123456789ab", 0); err != nil || ok {
		t.Fatalf("ClaimEnvelope within its TTL = %v, %v; want false", ok, err)
	}
	advance(t, s, 2*time.Minute)
	if ok, err := s.ClaimEnvelope(ctx, "9d1a2c3e-0f4b-4c1e-8a55-0123456789ab", 0); err != nil || !ok {
		t.Fatalf("ClaimEnvelope after its TTL = %v, %v; want true", ok, err)
	}
}

func testLock(t *testing.T, s *Store) {
	ctx := t.Context()
	other := peer(t, s)
	a, err := s.Lock(ctx, "corpus-writer", testLease)
	if err != nil {
		t.Fatalf("Lock by A: %v", err)
	}
	if _, err := other.Lock(ctx, "corpus-writer", testLease); !errors.Is(err, ErrLockHeld) {
		t.Fatalf("Lock by B while A holds it = %v, want ErrLockHeld", err)
	}
	if _, err := other.Lock(ctx, "another-lock", testLease); err != nil {
		t.Fatalf("Lock of another name: %v", err)
	}
	if err := a.Unlock(ctx); err != nil {
		t.Fatalf("Unlock by A: %v", err)
	}
	b, err := other.Lock(ctx, "corpus-writer", testLease)
	if err != nil {
		t.Fatalf("Lock by B after A's unlock: %v", err)
	}
	if err := b.Unlock(ctx); err != nil {
		t.Fatal(err)
	}

	// A's lock expires, B takes it: A's late Unlock must not free B's lock.
	a, err = s.Lock(ctx, "corpus-writer", testLease)
	if err != nil {
		t.Fatal(err)
	}
	advance(t, s, testLease*2)
	b, err = other.Lock(ctx, "corpus-writer", testLease)
	if err != nil {
		t.Fatalf("Lock by B after A's lock expired: %v", err)
	}
	if err := a.Unlock(ctx); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("A's Unlock of B's lock = %v, want ErrNotOwner", err)
	}
	if _, err := s.Lock(ctx, "corpus-writer", testLease); !errors.Is(err, ErrLockHeld) {
		t.Fatalf("B's lock was freed by A's Unlock: Lock = %v, want ErrLockHeld", err)
	}
	if err := b.Unlock(ctx); err != nil {
		t.Fatalf("Unlock by B: %v", err)
	}
}

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
