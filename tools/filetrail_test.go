package tools

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/record"
)

var _ investigation.Trail = (*FileTrail)(nil)

// writeTrail writes n records on function "checkout" in us-east-1, one a
// minute from t0; every tenth is a read-only GetFunction call.
func writeTrail(t *testing.T, n int, t0 time.Time) string {
	t.Helper()
	dir := t.TempDir()
	var records []string
	for i := range n {
		name, readOnly := "UpdateFunctionCode20150331v2", false
		if i%10 == 9 {
			name, readOnly = "GetFunction20150331v2", true
		}
		records = append(records, fmt.Sprintf(`{"eventVersion":"1.08","eventID":"ev-%03d","eventTime":%q,
			"eventSource":"lambda.amazonaws.com","eventName":%q,"awsRegion":"us-east-1","readOnly":%v,
			"userIdentity":{"type":"IAMUser","userName":"alice"},"requestParameters":{"functionName":"checkout"}}`,
			i, t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), name, readOnly))
	}
	data := `{"Records":[` + strings.Join(records, ",") + `]}`
	if err := os.WriteFile(filepath.Join(dir, "trail.json"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.json"), []byte(`{"Records":[`), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestFileTrailPaging(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	trail, err := OpenFileTrail(writeTrail(t, 130, t0))
	if err != nil {
		t.Fatal(err)
	}
	if trail.Len() != 130 {
		t.Fatalf("Len = %d, want 130", trail.Len())
	}
	if r := trail.Rejected(); len(r) != 1 || !strings.HasSuffix(r[0].File, "broken.json") || r[0].Reason == "" {
		t.Errorf("Rejected = %v, want broken.json with a reason", r)
	}

	q := investigation.Lookup{Region: "us-east-1", Key: investigation.AttrResourceName, Value: "checkout"}
	tests := []struct {
		maxEvents  int
		wantCalls  int
		wantEvents int // read-only calls dropped
		wantMore   bool
	}{
		{maxEvents: 0, wantCalls: 3, wantEvents: 117},   // the default bound (500) reads all 130
		{maxEvents: 130, wantCalls: 3, wantEvents: 117}, // the trail ends on the third page
		{maxEvents: 50, wantCalls: 1, wantEvents: 45, wantMore: true},
		{maxEvents: 60, wantCalls: 2, wantEvents: 90, wantMore: true}, // paging stops after the page that reaches 60
		{maxEvents: 1, wantCalls: 1, wantEvents: 45, wantMore: true},
	}
	for _, tt := range tests {
		q.MaxEvents = tt.maxEvents
		res, err := trail.Lookup(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if res.Calls != tt.wantCalls || len(res.Events) != tt.wantEvents || res.More != tt.wantMore {
			t.Errorf("MaxEvents %d: calls %d events %d more %v, want %d %d %v",
				tt.maxEvents, res.Calls, len(res.Events), res.More, tt.wantCalls, tt.wantEvents, tt.wantMore)
		}
		for i, e := range res.Events {
			if e.ReadOnly {
				t.Fatalf("read-only event %s returned", e.ID)
			}
			if i > 0 && e.Time.After(res.Events[i-1].Time) {
				t.Fatalf("events not newest first at %d", i)
			}
		}
		if len(res.Events) > 0 && res.Events[0].ID != "ev-128" {
			t.Errorf("newest event %s, want ev-128", res.Events[0].ID)
		}
	}

	// A window holding nothing still costs the one call that says so.
	res, err := trail.Lookup(context.Background(), investigation.Lookup{Region: "us-east-1",
		Key: investigation.AttrResourceName, Value: "checkout", Start: t0.Add(-time.Hour), End: t0.Add(-time.Minute)})
	if err != nil || res.Calls != 1 || len(res.Events) != 0 || res.More {
		t.Errorf("empty window: %+v, %v", res, err)
	}
	// The window is inclusive.
	res, err = trail.Lookup(context.Background(), investigation.Lookup{Region: "us-east-1",
		Key: investigation.AttrEventID, Value: "ev-000", Start: t0, End: t0})
	if err != nil || len(res.Events) != 1 {
		t.Errorf("window edge: %+v, %v", res, err)
	}
}

func TestFileTrailRegionAndErrors(t *testing.T) {
	trail, err := OpenFileTrail(writeTrail(t, 3, time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	res, err := trail.Lookup(context.Background(), investigation.Lookup{Region: "eu-west-1",
		Key: investigation.AttrResourceName, Value: "checkout"})
	if err != nil || len(res.Events) != 0 || res.Calls != 1 {
		t.Errorf("other region: %+v, %v", res, err)
	}

	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for name, tc := range map[string]struct {
		ctx  context.Context
		q    investigation.Lookup
		want string
	}{
		"no region":    {context.Background(), investigation.Lookup{Key: investigation.AttrEventName, Value: "x"}, "no region"},
		"bad key":      {context.Background(), investigation.Lookup{Region: "us-east-1", Key: "Colour", Value: "x"}, `"Colour"`},
		"empty value":  {context.Background(), investigation.Lookup{Region: "us-east-1", Key: investigation.AttrEventName}, "empty value"},
		"canceled ctx": {canceled, investigation.Lookup{Region: "us-east-1"}, "context canceled"},
	} {
		if _, err := trail.Lookup(tc.ctx, tc.q); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", name, err, tc.want)
		}
	}

	if _, err := OpenFileTrail(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing folder opened")
	}
}

// TestFileTrailSamples reads the Invictus trail: a security group's changes,
// found by its id, in its region only.
func TestFileTrailSamples(t *testing.T) {
	trail, err := OpenFileTrail(filepath.Join("..", "testdata", "samples", "invictus-ir_aws_dataset", "CloudTrail"))
	if err != nil {
		t.Fatal(err)
	}
	if trail.Len() != 2900 || len(trail.Rejected()) != 0 {
		t.Fatalf("Len %d, rejected %v", trail.Len(), trail.Rejected())
	}
	res, err := trail.Lookup(context.Background(), investigation.Lookup{Region: "us-east-1",
		Key: investigation.AttrResourceName, Value: "sg-04cfb7a4712d75b00"})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, e := range res.Events {
		names[e.Name] = true
	}
	for _, want := range []string{"CreateSecurityGroup", "AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress", "DeleteSecurityGroup"} {
		if !names[want] {
			t.Errorf("no %s among %v", want, names)
		}
	}
	if res.Calls != 1 || res.More {
		t.Errorf("calls %d more %v", res.Calls, res.More)
	}
}

// A trail read for some names answers every ResourceName lookup of those
// names as the whole trail does: same events, calls and paging.
func TestFileTrailFilterByNames(t *testing.T) {
	dirs := []string{filepath.Join("..", "testdata", "samples", "invictus-ir_aws_dataset", "CloudTrail")}
	scenarios, _ := filepath.Glob(filepath.Join("..", "testdata", "scenarios", "*", "trail"))
	dirs = append(dirs, scenarios...)
	ctx := context.Background()
	compared := 0
	for _, dir := range dirs {
		whole, err := OpenFileTrail(dir)
		if err != nil {
			t.Fatal(err)
		}
		events, _, err := record.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		// Up to a handful of names each, and every region any was seen in.
		var names []string
		regions := map[string]bool{}
		for _, e := range events {
			regions[e.Region] = true
			for _, r := range e.Resources {
				if len(names) < 6 && !slices.Contains(names, r.Name) {
					names = append(names, r.Name)
				}
			}
		}
		part, err := OpenFileTrailFilter(dir, record.Filter{Names: names})
		if err != nil {
			t.Fatal(err)
		}
		if part.Len() >= whole.Len() && whole.Len() > 20 {
			t.Errorf("%s: the filtered trail holds %d of %d events", dir, part.Len(), whole.Len())
		}
		for _, n := range names {
			for region := range regions {
				for _, maxEvents := range []int{0, 1, 60} {
					q := investigation.Lookup{Region: region, Key: investigation.AttrResourceName, Value: n, MaxEvents: maxEvents}
					want, err1 := whole.Lookup(ctx, q)
					got, err2 := part.Lookup(ctx, q)
					if err1 != nil || err2 != nil || !reflect.DeepEqual(got, want) {
						t.Errorf("%s: lookup %+v: got %d events (calls %d, more %v, %v), want %d (calls %d, more %v, %v)", dir, q,
							len(got.Events), got.Calls, got.More, err2, len(want.Events), want.Calls, want.More, err1)
					}
					compared++
				}
			}
		}
	}
	if compared < 100 {
		t.Errorf("only %d lookups compared", compared)
	}
}

// A lookup returns each call with its record as the files hold it, though
// the trail held none of them; a file changed since it was read makes the
// lookup fail rather than return another record.
func TestFileTrailRecordsReadAgain(t *testing.T) {
	dir := filepath.Join("..", "testdata", "samples", "invictus-ir_aws_dataset", "CloudTrail")
	events, _, err := record.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]investigation.Event{}
	for _, e := range events {
		byID[e.ID] = e
	}
	trail, err := OpenFileTrail(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	q := investigation.Lookup{Region: "us-east-1", Key: investigation.AttrResourceName, Value: "sg-04cfb7a4712d75b00"}
	for range 2 { // the second time from what the first read
		res, err := trail.Lookup(ctx, q)
		if err != nil || len(res.Events) == 0 {
			t.Fatal(err, len(res.Events))
		}
		for _, e := range res.Events {
			w := byID[e.ID]
			if len(e.Raw) == 0 || !bytes.Equal(e.Raw, w.Raw) || !bytes.Equal(e.RequestJSON, w.RequestJSON) {
				t.Errorf("%s: record %q, request %q; want %q, %q", e.ID, e.Raw, e.RequestJSON, w.Raw, w.RequestJSON)
			}
		}
	}

	t0 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	changing := writeTrail(t, 20, t0)
	trail, err = OpenFileTrail(changing)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(changing, "trail.json"), []byte(`{"Records":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = trail.Lookup(ctx, investigation.Lookup{Region: "us-east-1", Key: investigation.AttrResourceName, Value: "checkout"})
	if err == nil || !strings.Contains(err.Error(), "trail.json") {
		t.Errorf("lookup over a changed file: %v, want an error naming it", err)
	}
}
