package store

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
)

const secret = "s3cr3t-Pa55word"

// closedPort returns a local address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

func TestOpenNeverShowsThePassword(t *testing.T) {
	down := closedPort(t)
	tests := []struct {
		name        string
		url         string
		unavailable bool
	}{
		{"unreachable", "redis://default:" + secret + "@" + down + "/0", true},
		{"unreachable with TLS", "rediss://:" + secret + "@" + down, true},
		{"bad port", "redis://user:" + secret + "@localhost:notaport/0", false},
		{"control character", "redis://user:" + secret + "\x7f@localhost:6379/0", false},
		{"space in host", "redis://user:" + secret + "@local host:6379/0", false},
		{"wrong scheme", "http://user:" + secret + "@localhost:6379/0", false},
		{"bad database", "redis://user:" + secret + "@localhost:6379/zero", false},
		{"secret in an unknown option", "redis://user:" + secret + "@localhost:6379/0?colour=" + secret, false},
		{"no host", "redis://user:" + secret + "@/0", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(t.Context(), tc.url, Options{CommandTimeout: 500 * time.Millisecond})
			if err == nil {
				_ = s.Close()
				t.Fatal("Open succeeded")
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error shows the password: %v", err)
			}
			if got := errors.Is(err, ErrUnavailable); got != tc.unavailable {
				t.Errorf("errors.Is(ErrUnavailable) = %v, want %v (error: %v)", got, tc.unavailable, err)
			}
		})
	}
}

func TestStoreStringHidesThePassword(t *testing.T) {
	m := miniredis.RunT(t)
	m.RequireAuth(secret)
	s, err := Open(t.Context(), "redis://:"+secret+"@"+m.Addr()+"/0", Options{KeyPrefix: "prod:"})
	if err != nil {
		t.Fatalf("Open with the right password: %v", err)
	}
	defer s.Close()
	if str := s.String(); strings.Contains(str, secret) || !strings.Contains(str, m.Addr()) || !strings.Contains(str, "prod:") {
		t.Errorf("String() = %q: want the address and prefix, not the password", str)
	}
	if str := fmt.Sprintf("%v", s); strings.Contains(str, secret) {
		t.Errorf("%%v shows the password: %s", str)
	}

	_, err = Open(t.Context(), "redis://:wrong-"+secret+"@"+m.Addr()+"/0", Options{})
	if err == nil {
		t.Fatal("Open with a wrong password succeeded")
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error shows the password: %v", err)
	}
	if errors.Is(err, ErrUnavailable) {
		t.Errorf("a wrong password is misconfiguration, not unavailability: %v", err)
	}
}

// TestRedisDown: every operation reports ErrUnavailable while the server is
// gone, so the bot can triage anyway and warn, and recovers when it returns.
func TestRedisDown(t *testing.T) {
	const timeout = 5 * time.Second
	s, err := openEmbedded(t.Context(), Options{CommandTimeout: timeout}.withDefaults(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	key := testKey("20260319T1400Z")
	thread := ThreadRef{Channel: "C0ALERTS", TS: "1773928800.000100"}
	won := mustClaim(t, s, key, "replica-a", time.Minute, ClaimWon)
	lock, err := s.Lock(ctx, "l", time.Minute)
	if err != nil {
		t.Fatal(err)
	}

	s.mini.Close()
	ops := []struct {
		name string
		call func() error
	}{
		{"Ping", func() error { return s.Ping(ctx) }},
		{"ClaimAlarm", func() error { _, err := s.ClaimAlarm(ctx, key, "replica-b", 0); return err }},
		{"Renew", func() error { return won.Lease.Renew(ctx) }},
		{"Complete", func() error { return won.Lease.Complete(ctx, thread, 0) }},
		{"Release", func() error { return won.Lease.Release(ctx) }},
		{"SetThread", func() error { return s.SetThread(ctx, key, thread) }},
		{"ThreadFor", func() error { _, err := s.ThreadFor(ctx, key); return err }},
		{"LatestThread", func() error { _, err := s.LatestThread(ctx, key.AlarmARN); return err }},
		{"ClaimEnvelope", func() error { _, err := s.ClaimEnvelope(ctx, "e1", 0); return err }},
		{"Lock", func() error { _, err := s.Lock(ctx, "l2", time.Second); return err }},
		{"Unlock", func() error { return lock.Unlock(ctx) }},
		{"SaveThread", func() error { return s.SaveThread(ctx, thread, ThreadState{}) }},
		{"LoadThread", func() error { _, err := s.LoadThread(ctx, thread); return err }},
		{"SaveArtifact", func() error { _, err := s.SaveArtifact(ctx, Artifact{}); return err }},
		{"LoadArtifact", func() error { _, err := s.LoadArtifact(ctx, "abc"); return err }},
		{"SaveFeedback", func() error {
			return s.SaveFeedback(ctx, Feedback{FeedbackSubject: FeedbackSubject{Thread: thread}, Vote: VoteUp, User: "U1"})
		}},
		{"ListFeedback", func() error { _, err := s.ListFeedback(ctx, FeedbackSubject{Thread: thread}); return err }},
	}
	for _, op := range ops {
		start := time.Now()
		err := op.call()
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s with Redis down = %v, want ErrUnavailable", op.name, err)
		}
		// Refused connections fail at once, not after the command timeout.
		if d := time.Since(start); d > timeout/2 {
			t.Errorf("%s took %s to fail with Redis down", op.name, d)
		}
	}

	if err := s.mini.Restart(); err != nil {
		t.Fatalf("restart: %v", err)
	}
	waitFor(t, "the store to reconnect", func() bool { return s.Ping(ctx) == nil })
	if err := won.Lease.Renew(ctx); err != nil {
		t.Errorf("Renew after the server came back: %v", err)
	}
}

func TestUnreachableAfterOpen(t *testing.T) {
	s, err := Open(t.Context(), "redis://"+closedPort(t), Options{CommandTimeout: 300 * time.Millisecond})
	if err == nil {
		_ = s.Close()
		t.Fatal("Open of a closed port succeeded")
	}
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Open of a closed port = %v, want ErrUnavailable", err)
	}
}

// A server that accepts connections and never answers must not hang callers.
func TestHungServerTimesOut(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Accept and hold connections without ever answering, until the test ends.
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				_ = c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	defer func() {
		_ = l.Close()
		<-done
	}()
	start := time.Now()
	_, err = Open(t.Context(), "redis://"+l.Addr().String(), Options{CommandTimeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Open of a silent server = %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Open took %s with a 200ms command timeout", d)
	}
}

func TestCallerCancelIsNotUnavailability(t *testing.T) {
	s := openMiniredis(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.ClaimAlarm(ctx, testKey("20260319T1400Z"), "replica-a", 0)
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnavailable) {
		t.Fatalf("ClaimAlarm with a cancelled context = %v, want context.Canceled and not ErrUnavailable", err)
	}
}

// The embedded server expires keys with the wall clock, as Redis does, so a
// dead triage's lease runs out in the demo too.
func TestEmbeddedExpiresWithTheClock(t *testing.T) {
	s, err := Open(t.Context(), "", testOptions(""))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Embedded() || !strings.Contains(s.String(), "embedded") {
		t.Errorf("Open(\"\") = %s, want an embedded store", s)
	}
	key := testKey("20260319T1400Z")
	const lease = 300 * time.Millisecond
	start := time.Now()
	mustClaim(t, s, key, "replica-a", lease, ClaimWon)
	for {
		c, err := s.ClaimAlarm(t.Context(), key, "replica-b", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if c.State == ClaimWon {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("embedded lease of %s still held after %s", lease, time.Since(start))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if waited := time.Since(start); waited < lease {
		t.Errorf("taken over after %s, before the %s lease ran out", waited, lease)
	}
}

func TestCloseStopsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 3 {
		s, err := Open(t.Context(), "", testOptions(""))
		if err != nil {
			t.Fatal(err)
		}
		c := mustClaim(t, s, testKey("20260319T1400Z"), "replica-a", time.Second, ClaimWon)
		ctx, cancel := context.WithCancel(t.Context())
		held := make(chan error, 1)
		go func() { held <- c.Lease.Hold(ctx, 10*time.Millisecond) }()
		if _, err := s.SaveArtifact(t.Context(), Artifact{}); err != nil {
			t.Fatal(err)
		}
		cancel()
		<-held
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Ping(t.Context()); !errors.Is(err, ErrUnavailable) {
			t.Errorf("Ping after Close = %v, want ErrUnavailable", err)
		}
	}
	waitFor(t, "goroutines to stop after Close", func() bool { return runtime.NumGoroutine() <= before })
}

func TestKeySafe(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout", "arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout"},
		{"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout errors / {live} 100%",
			"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout%20errors%20/%20%7Blive%7D%20100%25"},
		{"resolved:arn:aws:cloudwatch:eu-west-1:123456789012:alarm:a\tb@20260319T1400Z",
			"resolved:arn:aws:cloudwatch:eu-west-1:123456789012:alarm:a%09b@20260319T1400Z"},
	} {
		got := KeySafe(tc.in)
		if got != tc.want {
			t.Errorf("KeySafe(%q) = %q, want %q", tc.in, got, tc.want)
		}
		key := AlarmKey{Account: "123456789012", Region: "eu-west-1", AlarmARN: got, Episode: "20260319T1400Z"}
		if err := key.validate(); err != nil && strings.HasPrefix(tc.in, "arn:") {
			t.Errorf("key of KeySafe(%q) refused: %v", tc.in, err)
		}
	}
	// Two names that differ only where encoding happens stay apart.
	if KeySafe("a b") == KeySafe("a%20b") {
		t.Error("KeySafe is not injective")
	}
}

func TestArtifactTooLargeEvenWithoutPayloads(t *testing.T) {
	_, report := sampleReport()
	report.Explanation.WhatChanged = string(randomJSON(t, 8<<10))
	a := Artifact{ID: "big", Report: report, Steps: []Step{{Kind: StepToolCall, Name: "x", Output: randomJSON(t, 4<<10)}}}
	_, err := fitArtifact(&a, 2<<10)
	if err == nil || !strings.Contains(err.Error(), "over the 2048-byte limit") {
		t.Fatalf("fitArtifact = %v, want an over-the-limit error", err)
	}
}

func TestDropLargestPayloads(t *testing.T) {
	payload := func(n int) json.RawMessage { return json.RawMessage(`"` + strings.Repeat("x", n-2) + `"`) }
	tests := []struct {
		name                  string
		outputs, inputs       []int
		want                  int
		droppedOut, droppedIn []int // step indexes
		freed                 int
	}{
		{"largest output first", []int{10, 300, 200}, []int{50, 50, 50}, 250, []int{1}, nil, 300},
		{"several outputs", []int{10, 300, 200}, []int{50, 50, 50}, 450, []int{1, 2}, nil, 500},
		{"then inputs", []int{10, 0, 0}, []int{50, 70, 60}, 75, []int{0}, []int{1}, 80},
		{"always at least one", []int{10, 20}, nil, 0, []int{1}, nil, 20},
		{"nothing left", nil, nil, 100, nil, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := max(len(tc.outputs), len(tc.inputs))
			steps := make([]Step, n)
			for i := range n {
				steps[i].Kind = StepToolCall
				if i < len(tc.outputs) && tc.outputs[i] > 0 {
					steps[i].Output = payload(tc.outputs[i])
				}
				if i < len(tc.inputs) && tc.inputs[i] > 0 {
					steps[i].Input = payload(tc.inputs[i])
				}
			}
			freed := dropLargestPayloads(steps, tc.want)
			if freed != tc.freed {
				t.Errorf("freed %d bytes, want %d", freed, tc.freed)
			}
			var gotOut, gotIn []int
			for i, st := range steps {
				if st.OutputDroppedBytes > 0 {
					gotOut = append(gotOut, i)
				}
				if st.InputDroppedBytes > 0 {
					gotIn = append(gotIn, i)
				}
			}
			if fmt.Sprint(gotOut) != fmt.Sprint(tc.droppedOut) || fmt.Sprint(gotIn) != fmt.Sprint(tc.droppedIn) {
				t.Errorf("dropped outputs %v inputs %v, want %v and %v", gotOut, gotIn, tc.droppedOut, tc.droppedIn)
			}
		})
	}
}

// BenchmarkClaimAlarm measures claims on the embedded server and, when
// TRAILHOUND_TEST_REDIS_URL is set, on that Redis.
func BenchmarkClaimAlarm(b *testing.B) {
	backends := []struct{ name, url, prefix string }{{"miniredis", "", ""}}
	if url := os.Getenv(envTestRedisURL); url != "" {
		backends = append(backends, struct{ name, url, prefix string }{"redis", url, "trailhound-bench:" + strings.ToLower(rand.Text()[:10]) + ":"})
	}
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			s, err := Open(b.Context(), be.url, Options{KeyPrefix: be.prefix})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if be.prefix != "" {
				defer func() {
					keys, err := s.rdb.Keys(context.Background(), be.prefix+"*").Result()
					if err == nil && len(keys) > 0 {
						err = s.rdb.Del(context.Background(), keys...).Err()
					}
					if err != nil {
						b.Errorf("clean up: %v", err)
					}
				}()
			}
			benchmarkClaims(b, s)
		})
	}
}

func benchmarkClaims(b *testing.B, s *Store) {
	ctx := b.Context()
	key := testKey("20260319T1400Z")
	thread := ThreadRef{Channel: "C0ALERTS", TS: "1773928800.000100"}

	b.Run("won", func(b *testing.B) {
		i := 0
		for b.Loop() {
			k := key
			k.Episode = Episode(fmt.Sprintf("won%d", i))
			i++
			if c, err := s.ClaimAlarm(ctx, k, "replica-a", 0); err != nil || c.State != ClaimWon {
				b.Fatalf("%v %v", c.State, err)
			}
		}
	})
	b.Run("duplicate", func(b *testing.B) {
		if _, err := s.ClaimAlarm(ctx, key, "replica-a", 0); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if c, err := s.ClaimAlarm(ctx, key, "replica-b", 0); err != nil || c.State == ClaimWon {
				b.Fatalf("%v %v", c.State, err)
			}
		}
	})
	b.Run("claim+complete", func(b *testing.B) {
		i := 0
		for b.Loop() {
			k := key
			k.Episode = Episode(fmt.Sprintf("full%d", i))
			i++
			c, err := s.ClaimAlarm(ctx, k, "replica-a", 0)
			if err != nil || c.State != ClaimWon {
				b.Fatalf("%v %v", c.State, err)
			}
			if err := c.Lease.Complete(ctx, thread, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel-duplicates", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.ClaimAlarm(ctx, key, "replica-b", 0); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
