package tools_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
	"github.com/trailhound/trailhound/tools"
)

func TestCloudTrailLookup(t *testing.T) {
	records := busyTrail(0, 120, "checkout", testRegion)
	records = append(records, busyTrail(1000, 8, "checkout", "eu-west-1")...)
	denied := ctRecord(2000, "UpdateFunctionCode20150331v2", "lambda.amazonaws.com", testRegion, testNow.Add(-30*time.Minute), false,
		map[string]any{"functionName": "checkout"})
	denied["errorCode"], denied["errorMessage"] = "AccessDenied", "User is not authorized"
	records = append(records, denied)
	a, rec, cfg := testSandbox(t, writeScenario(t, records, scenario.LogsFile{}), tools.AWSOptions{})
	trail := tools.NewCloudTrail(cfg, tools.CloudTrailOptions{Pacer: tools.NewPacer(time.Millisecond, 10)})

	writesIn := func(recs []map[string]any, region string, from, to time.Time) int {
		n := 0
		for _, r := range recs {
			at, _ := time.Parse(time.RFC3339, r["eventTime"].(string))
			if r["awsRegion"] == region && r["readOnly"] == false && !at.Before(from) && !at.After(to) {
				n++
			}
		}
		return n
	}
	tests := []struct {
		name      string
		q         investigation.Lookup
		budget    int // cap of the context's call counter; 0: none
		wantPages int
		wantMore  bool
		wantN     int
	}{
		{"whole trail, three pages", investigation.Lookup{Key: investigation.AttrResourceName, Value: "checkout"},
			0, 3, false, writesIn(records, testRegion, time.Time{}, testNow)},
		{"events bound stops paging", investigation.Lookup{Key: investigation.AttrResourceName, Value: "checkout", MaxEvents: 60},
			0, 2, true, 75},
		{"call budget stops paging", investigation.Lookup{Key: investigation.AttrResourceName, Value: "checkout"},
			1, 1, true, 38},
		{"window", investigation.Lookup{Key: investigation.AttrResourceName, Value: "checkout", Start: testNow.Add(-40 * time.Second), End: testNow.Add(-10 * time.Second)},
			0, 1, false, writesIn(records, testRegion, testNow.Add(-40*time.Second), testNow.Add(-10*time.Second))},
		{"another region", investigation.Lookup{Region: "eu-west-1", Key: investigation.AttrResourceName, Value: "checkout"},
			0, 1, false, writesIn(records, "eu-west-1", time.Time{}, testNow)},
		{"nothing there", investigation.Lookup{Key: investigation.AttrResourceName, Value: "nope"}, 0, 1, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.budget > 0 {
				ctx = tools.WithCallCounter(ctx, tools.NewCallCounter(map[string]int{tools.OpLookupEvents: tt.budget}))
			}
			region := tt.q.Region
			if region == "" {
				region = testRegion
			}
			before, pagesBefore := a.Calls()[tools.OpLookupEvents], rec.distinct("LookupEvents|"+region)
			res, err := trail.Lookup(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			pages := rec.distinct("LookupEvents|"+region) - pagesBefore
			if pages != tt.wantPages || res.More != tt.wantMore || len(res.Events) != tt.wantN {
				t.Fatalf("pages %d more %v events %d; want %d %v %d", pages, res.More, len(res.Events), tt.wantPages, tt.wantMore, tt.wantN)
			}
			// Calls counts every request sent, a transient connection retry included.
			if sent := a.Calls()[tools.OpLookupEvents] - before; sent != res.Calls || res.Calls < pages {
				t.Fatalf("sandbox saw %d requests, result says %d, for %d pages", sent, res.Calls, pages)
			}
			seen := map[string]bool{}
			for i, e := range res.Events {
				if e.ReadOnly || seen[e.ID] {
					t.Fatalf("event %s: read-only %v, repeated %v", e.ID, e.ReadOnly, seen[e.ID])
				}
				seen[e.ID] = true
				if i > 0 && e.Time.After(res.Events[i-1].Time) {
					t.Fatal("events are not newest first")
				}
				if e.Region != region || e.Actor.Name != "alice@example.com (AdministratorAccess)" || len(e.Raw) == 0 {
					t.Fatalf("event %s: region %s, actor %q", e.ID, e.Region, e.Actor.Name)
				}
				if !slices.Contains(e.Resources, investigation.EventResource{Type: "AWS::Lambda::Function", Name: "checkout"}) {
					t.Fatalf("event %s resources %v", e.ID, e.Resources)
				}
			}
		})
	}
	t.Run("a failed call is kept as evidence", func(t *testing.T) {
		res, err := trail.Lookup(context.Background(), investigation.Lookup{Key: investigation.AttrEventName, Value: "UpdateFunctionCode20150331v2"})
		if err != nil || len(res.Events) != 1 || !res.Events[0].Failed() || res.Events[0].ErrorCode != "AccessDenied" {
			t.Fatalf("%v %+v", err, res.Events)
		}
	})
}

// TestCloudTrailPacing fires lookups from several goroutines, through two
// trails sharing a pacer as concurrent triages do, at a sandbox enforcing
// LookupEvents' real limit: no second may see more than two requests of one
// region, and none may have to be throttled.
func TestCloudTrailPacing(t *testing.T) {
	functions := []string{"a", "b", "c"}
	var records []map[string]any
	for i, fn := range functions {
		records = append(records, busyTrail(i*1000, 10, fn, testRegion)...)
		records = append(records, busyTrail(i*1000+500, 10, fn, "eu-west-1")...)
	}
	a, rec, cfg := testSandbox(t, writeScenario(t, records, scenario.LogsFile{}), tools.AWSOptions{})
	a.SetThrottle(true)
	pacer := tools.NewLookupEventsPacer()
	trails := []*tools.CloudTrail{
		tools.NewCloudTrail(cfg, tools.CloudTrailOptions{Pacer: pacer}),
		tools.NewCloudTrail(cfg, tools.CloudTrailOptions{Pacer: pacer}),
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	calls := 0
	start := time.Now()
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			region := testRegion
			if g%3 == 2 {
				region = "eu-west-1"
			}
			for _, fn := range functions {
				res, err := trails[g%2].Lookup(context.Background(), investigation.Lookup{Region: region, Key: investigation.AttrResourceName, Value: fn})
				if err != nil || len(res.Events) == 0 {
					t.Errorf("lookup %s in %s: %v (%d events)", fn, region, err, len(res.Events))
				}
				mu.Lock()
				calls += res.Calls
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	sent := 0
	for region, want := range map[string]int{testRegion: 12, "eu-west-1": 6} {
		times := rec.of("LookupEvents|" + region)
		sent += len(times)
		if got := rec.distinct("LookupEvents|" + region); got != want {
			t.Errorf("%s: sandbox saw %d distinct requests, want %d", region, got, want)
		}
		if n := maxInWindow(times, time.Second); n > 2 {
			t.Errorf("%s: %d requests within one second; LookupEvents allows 2", region, n)
		}
	}
	if n := rec.answered("ThrottlingException"); n > 0 {
		t.Errorf("the sandbox throttled %d requests", n)
	}
	if calls != sent {
		t.Errorf("lookups counted %d requests, the sandbox saw %d", calls, sent)
	}
	us := rec.of("LookupEvents|" + testRegion)
	t.Logf("18 lookups in %s; us-east-1 paced at %.2f req/s", elapsed.Round(time.Millisecond), float64(len(us)-1)/us[len(us)-1].Sub(us[0]).Seconds())
}

func TestCloudTrailRetriesThrottlingThenSucceeds(t *testing.T) {
	records := busyTrail(0, 5, "checkout", testRegion)
	a, rec, cfg := testSandbox(t, writeScenario(t, records, scenario.LogsFile{}), tools.AWSOptions{MaxAttempts: 10, MaxBackoff: 500 * time.Millisecond})
	a.SetThrottle(true)
	// No client pacing: the sandbox throttles and the SDK's retryer backs off.
	trail := tools.NewCloudTrail(cfg, tools.CloudTrailOptions{Pacer: tools.NewPacer(time.Microsecond, 100)})
	counter := tools.NewCallCounter(nil)
	ctx := tools.WithCallCounter(context.Background(), counter)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := trail.Lookup(ctx, investigation.Lookup{Key: investigation.AttrResourceName, Value: "checkout"})
			if err != nil || len(res.Events) != 4 {
				t.Errorf("lookup: %v (%d events)", err, len(res.Events))
			}
			mu.Lock()
			total += res.Calls
			mu.Unlock()
		}()
	}
	wg.Wait()
	sent := a.Calls()[tools.OpLookupEvents]
	if rec.answered("ThrottlingException") == 0 || total != sent || counter.Counts()[tools.OpLookupEvents] != sent {
		t.Fatalf("sandbox saw %d requests (%d throttled), lookups counted %d, counter %d; want throttling, and counts equal",
			sent, rec.answered("ThrottlingException"), total, counter.Counts()[tools.OpLookupEvents])
	}
}

func TestCloudTrailErrors(t *testing.T) {
	records := busyTrail(0, 5, "checkout", testRegion)
	tests := []struct {
		name       string
		fault      awsapi.Fault
		opts       tools.AWSOptions
		reason     investigation.Reason
		permission string
		calls      int // attempts, at least; a transient connection retry may add one below MaxAttempts
	}{
		{"access denied names the permission", awsapi.Fault{ErrorCode: "AccessDeniedException"}, tools.AWSOptions{}, investigation.ReasonAccessDenied, "cloudtrail:LookupEvents", 1},
		{"throttling that never ends", awsapi.Fault{ErrorCode: "ThrottlingException"}, tools.AWSOptions{MaxAttempts: 3}, investigation.ReasonThrottled, "", 3},
		{"unavailable", awsapi.Fault{ErrorCode: "InternalFailure", Status: 500}, tools.AWSOptions{MaxAttempts: 2}, investigation.ReasonUnavailable, "", 2},
		{"black hole", awsapi.Fault{Timeout: true}, tools.AWSOptions{AttemptTimeout: 150 * time.Millisecond, MaxAttempts: 2}, investigation.ReasonTimeout, "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.MaxBackoff = 100 * time.Millisecond
			a, _, cfg := testSandbox(t, writeScenario(t, records, scenario.LogsFile{}), tt.opts)
			a.SetFault(tools.OpLookupEvents, tt.fault)
			trail := tools.NewCloudTrail(cfg, tools.CloudTrailOptions{Pacer: tools.NewPacer(time.Millisecond, 10), Timeout: 5 * time.Second})
			start := time.Now()
			res, err := trail.Lookup(context.Background(), investigation.Lookup{Key: investigation.AttrResourceName, Value: "checkout"})
			var apiErr *tools.APIError
			if !errors.As(err, &apiErr) || apiErr.Reason != tt.reason || apiErr.Permission != tt.permission {
				t.Fatalf("error = %v, want reason %s, permission %q", err, tt.reason, tt.permission)
			}
			if apiErr.Retryable() != tt.reason.Retryable() || res.Calls < tt.calls || res.Calls != a.Calls()[tools.OpLookupEvents] {
				t.Fatalf("retryable %v, calls %d (want %d, sandbox saw %d)", apiErr.Retryable(), res.Calls, tt.calls, a.Calls()[tools.OpLookupEvents])
			}
			if d := time.Since(start); d > 4*time.Second {
				t.Fatalf("took %s", d)
			}
		})
	}
	t.Run("the triage deadline ends a paced wait", func(t *testing.T) {
		_, _, cfg := testSandbox(t, writeScenario(t, records, scenario.LogsFile{}), tools.AWSOptions{})
		slow := tools.NewPacer(time.Hour, 1)
		trail := tools.NewCloudTrail(cfg, tools.CloudTrailOptions{Pacer: slow})
		if _, err := trail.Lookup(context.Background(), investigation.Lookup{Key: investigation.AttrResourceName, Value: "checkout"}); err != nil {
			t.Fatal(err) // the first request takes the one token
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := trail.Lookup(ctx, investigation.Lookup{Key: investigation.AttrResourceName, Value: "checkout"})
		if investigation.ReasonOf(err) != investigation.ReasonTimeout || time.Since(start) > time.Second {
			t.Fatalf("error %v (%s) after %s", err, investigation.ReasonOf(err), time.Since(start))
		}
	})
}
