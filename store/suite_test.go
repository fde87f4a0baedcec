package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
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
		{"a channel storm starts past the rate and keeps its alarms", testStorm},
		{"waiting placeholders are shared in order", testPointers},
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
