package store

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func testStorm(t *testing.T, s *Store) {
	ctx := t.Context()
	rate := StormRate{Alarms: 2, Window: 10 * time.Second, Quiet: testWindow, Keep: time.Minute}
	at := time.Now()
	note := func(id string) (string, bool) {
		t.Helper()
		sid, started, err := s.NoteStormAlarm(ctx, "C0STORM", id, []byte(`{"n":"`+id+`"}`), at, rate)
		if err != nil {
			t.Fatal(err)
		}
		at = at.Add(time.Millisecond)
		return sid, started
	}
	for _, id := range []string{"a", "b"} {
		if sid, _ := note(id); sid != "" {
			t.Fatalf("%s: storm %s within the rate", id, sid)
		}
	}
	if err := s.PatchStormAlarm(ctx, "C0STORM", "a", []byte(`{"n":"a","state":"reported"}`)); err != nil {
		t.Fatal(err)
	}
	if counted, err := s.StormRefire(ctx, "C0STORM", "a"); err != nil || counted {
		t.Fatalf("re-fire before the storm counted: %v %v", counted, err)
	}
	sid, started := note("c")
	if sid == "" || !started {
		t.Fatalf("third alarm: storm %q started %v, want a storm it started", sid, started)
	}
	if again, started := note("d"); again != sid || started {
		t.Fatalf("fourth alarm: storm %q started %v, want %q going on", again, started, sid)
	}
	if counted, err := s.StormRefire(ctx, "C0STORM", "b"); err != nil || !counted {
		t.Fatalf("re-fire in the storm not counted: %v %v", counted, err)
	}
	if err := s.SetStormDigest(ctx, "C0STORM", sid, "1.000100"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStormDigest(ctx, "C0STORM", "older", "9.9"); err != nil {
		t.Fatal(err)
	}
	active, err := s.ActiveStorms(ctx)
	if err != nil || fmt.Sprint(active) != "[C0STORM]" {
		t.Fatalf("active storms %v %v", active, err)
	}
	st, err := s.ReadStorm(ctx, "C0STORM")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range st.Alarms {
		got = append(got, fmt.Sprintf("%s=%s×%d", a.ID, a.Entry, a.Refires))
	}
	want := `[a={"n":"a","state":"reported"}×0 b={"n":"b"}×1 c={"n":"c"}×0 d={"n":"d"}×0]`
	if fmt.Sprint(got) != want || st.ID != sid || !st.Active || st.DigestTS != "1.000100" || st.Version < 3 {
		t.Fatalf("storm %+v\nalarms %v\nwant %s, active, digest 1.000100", st, got, want)
	}

	// Quiet for the quiet time: the storm is over, its alarms still kept.
	sleep(t, s, testWindow+300*time.Millisecond)
	st, err = s.ReadStorm(ctx, "C0STORM")
	if err != nil || st.Active || len(st.Alarms) != 4 {
		t.Fatalf("after the quiet time: active %v, %d alarms, %v", st.Active, len(st.Alarms), err)
	}
	if counted, _ := s.StormRefire(ctx, "C0STORM", "c"); counted {
		t.Error("re-fire after the storm counted in it")
	}
	if err := s.EndStorm(ctx, "C0STORM"); err != nil {
		t.Fatal(err)
	}
	if active, _ := s.ActiveStorms(ctx); len(active) != 0 {
		t.Errorf("storms %v after the end", active)
	}

	lock, err := s.Lock(ctx, "storm-digest-C0STORM", testLease)
	if err != nil {
		t.Fatal(err)
	}
	if err := lock.Extend(ctx, testLease); err != nil {
		t.Errorf("extend by the holder: %v", err)
	}
	if _, err := s.Lock(ctx, "storm-digest-C0STORM", testLease); !errors.Is(err, ErrLockHeld) {
		t.Errorf("second holder: %v, want ErrLockHeld", err)
	}
	if _, _, err := s.NoteStormAlarm(ctx, "C0 STORM", "x", nil, at, rate); err == nil {
		t.Error("a channel with a space was accepted")
	}
}

func testPointers(t *testing.T, s *Store) {
	ctx := t.Context()
	if _, _, ok, err := s.NextPointer(ctx); ok || err != nil {
		t.Fatalf("empty list gave ok=%v err=%v", ok, err)
	}
	for _, ts := range []string{"1.1", "2.2"} {
		if err := s.QueuePointer(ctx, "C0STORM", ts); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"1.1", "2.2"} {
		ch, ts, ok, err := s.NextPointer(ctx)
		if err != nil || !ok || ch != "C0STORM" || ts != want {
			t.Fatalf("got %q %q ok=%v err=%v, want C0STORM %s", ch, ts, ok, err, want)
		}
	}
	if _, _, ok, _ := s.NextPointer(ctx); ok {
		t.Fatal("a placeholder was handed out twice")
	}
}
