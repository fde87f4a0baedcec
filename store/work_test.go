package store

import (
	"testing"
	"time"
)

// workIdle is the takeover idle of the work tests: long enough that a busy
// machine's command latency does not blur it.
const workIdle = 400 * time.Millisecond

func ids(items []WorkItem) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

func testWork(t *testing.T, s *Store) {
	ctx := t.Context()
	p := peer(t, s)
	for _, st := range []*Store{s, p} {
		ok, err := st.RecordWork(ctx, "event:Ev1", time.Minute, "message", []byte(`{"a":1}`))
		if err != nil {
			t.Fatal(err)
		}
		if st == s && !ok {
			t.Fatal("first record of Ev1 refused")
		}
		if st == p && ok {
			t.Fatal("Ev1 recorded twice")
		}
	}
	if _, err := s.RecordWork(ctx, "event:Ev2", time.Minute, "message", []byte(`{"a":2}`)); err != nil {
		t.Fatal(err)
	}
	a, err := s.ReadWork(ctx, "a", 1, 100*time.Millisecond)
	if err != nil || len(a) != 1 || string(a[0].Body) != `{"a":1}` || a[0].Kind != "message" {
		t.Fatalf("a read %+v, %v; want the first item", a, err)
	}
	b, err := p.ReadWork(ctx, "b", 10, 100*time.Millisecond)
	if err != nil || len(b) != 1 || string(b[0].Body) != `{"a":2}` {
		t.Fatalf("b read %+v, %v; want the second item only", b, err)
	}
	// a keeps its item fresh; b's goes idle and a takes it over.
	for range 3 {
		time.Sleep(workIdle / 2)
		if n, err := s.TouchWork(ctx, "a", ids(a)); err != nil || n != 1 {
			t.Fatalf("touch: %d, %v; want 1", n, err)
		}
	}
	taken, err := s.ClaimIdleWork(ctx, "a", workIdle, 10)
	if err != nil || len(taken) != 1 || taken[0].ID != b[0].ID || taken[0].Deliveries != 2 {
		t.Fatalf("a took over %+v, %v; want b's item only, delivered twice", taken, err)
	}
	if n, err := p.TouchWork(ctx, "b", ids(b)); err != nil || n != 0 {
		t.Fatalf("b touched %d items it lost (%v); want 0", n, err)
	}
	again, err := p.ClaimIdleWork(ctx, "b", workIdle, 10)
	if err != nil || len(again) != 0 {
		t.Fatalf("b took back %+v, %v; want nothing that fresh", again, err)
	}
	// Handed back, an item is new work for any reader at once.
	back, err := s.HandBackWork(ctx, taken[0])
	if err != nil || back.ID == taken[0].ID {
		t.Fatalf("hand back: %+v, %v", back, err)
	}
	got, err := p.ReadWork(ctx, "b", 10, 100*time.Millisecond)
	if err != nil || len(got) != 1 || got[0].ID != back.ID || string(got[0].Body) != `{"a":2}` {
		t.Fatalf("b read %+v, %v; want the handed-back item", got, err)
	}
	if err := s.DoneWork(ctx, a[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := p.DoneWork(ctx, got[0].ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(workIdle)
	if left, err := s.ClaimIdleWork(ctx, "a", workIdle, 10); err != nil || len(left) != 0 {
		t.Fatalf("finished items came back: %+v, %v", left, err)
	}
	if n, err := s.rdb.XLen(ctx, s.workKey()).Result(); err != nil || n != 0 {
		t.Fatalf("stream holds %d entries (%v) after all were done", n, err)
	}
}

func testWorkAfterFlush(t *testing.T, s *Store) {
	ctx := t.Context()
	e1, err := s.Epoch(ctx, time.Unix(1000, 0))
	if err != nil {
		t.Fatal(err)
	}
	if e2, err := s.Epoch(ctx, time.Unix(2000, 0)); err != nil || e2 != e1 {
		t.Fatalf("epoch changed without a flush: %+v then %+v (%v)", e1, e2, err)
	}
	if _, err := s.ReadWork(ctx, "a", 1, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	deleteKeys(t, s) // Redis restarted empty
	e3, err := s.Epoch(ctx, time.Unix(3000, 0))
	if err != nil || e3.ID == e1.ID || !e3.Since.Equal(time.Unix(3000, 0)) {
		t.Fatalf("epoch after the flush: %+v (%v); want a new one since 3000", e3, err)
	}
	if ok, err := s.RecordWork(ctx, "", 0, "sqs", []byte("x")); err != nil || !ok {
		t.Fatalf("record: %v, %v", ok, err)
	}
	if _, err := s.ClaimIdleWork(ctx, "a", workIdle, 10); err != nil {
		t.Fatalf("takeover scan without a group: %v", err)
	}
	got, err := s.ReadWork(ctx, "a", 10, 100*time.Millisecond)
	if err != nil || len(got) != 1 || string(got[0].Body) != "x" {
		t.Fatalf("read after the flush: %+v, %v; want the item recorded since", got, err)
	}
}

// testClaimRetried: a claim whose reply was lost is found again by the
// same owner's retry, and stays a rival's for any other owner.
func testClaimRetried(t *testing.T, s *Store) {
	ctx := t.Context()
	key := AlarmKey{Account: "123456789012", Region: "eu-west-1", AlarmARN: "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:retried", Episode: "20260319T1400Z"}
	first, err := s.ClaimAlarm(ctx, key, "replica-a/job-1", time.Minute)
	if err != nil || first.State != ClaimWon {
		t.Fatalf("first claim: %+v, %v", first, err)
	}
	again, err := s.ClaimAlarm(ctx, key, "replica-a/job-1", time.Minute)
	if err != nil || again.State != ClaimWon {
		t.Fatalf("the same owner's retry: %+v, %v; want won", again, err)
	}
	if err := again.Lease.Renew(ctx); err != nil {
		t.Errorf("the retry's lease does not hold the claim: %v", err)
	}
	other, err := s.ClaimAlarm(ctx, key, "replica-a/job-2", time.Minute)
	if err != nil || other.State != ClaimRunning || other.Owner != "replica-a/job-1" {
		t.Errorf("another owner of the same replica: %+v, %v; want running by replica-a/job-1", other, err)
	}
}
