package record

import (
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

func TestFilterSkipEntry(t *testing.T) {
	f := Filter{Start: time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), SkipReadOnly: true}
	for _, tc := range []struct {
		raw  string
		skip bool
	}{
		{`{"eventTime":"2026-03-01T10:59:59Z","eventName":"X"}`, true},
		{`{"eventTime" : "2026-03-01T12:00:01Z"}`, true},
		{`{"EVENTTIME":"2026-03-01T12:00:01Z"}`, true}, // encoding/json matches keys in any case
		{`{"eventTime":"2026-03-01T11:30:00Z"}`, false},
		{`{"eventTime":"2026-03-01T12:00:00Z"}`, false}, // bounds are included
		{`{"eventTime":"2026-03-01T10:00:00Z","requestParameters":{"eventTime":"2026-03-01T11:30:00Z"}}`, true},
		{`{"requestParameters":{"eventTime":"2026-03-01T10:00:00Z"},"eventTime":"2026-03-01T11:30:00Z"}`, false},
		{`{"eventTime":"2026-03-01T10:00:00\u005a"}`, false},
		{`{"eventTime":"2026-03-01T10:00:00Z","eventTime":"2026-03-01T11:30:00Z"}`, false}, // the last one counts
		{`{"eventTime":"2026-03-01T10:00:00Z","\u0065ventTime":"2026-03-01T11:30:00Z"}`, false},
		{`{"eventName":"X"}`, false},
		{`{"eventTime":12}`, false},
		{`{"eventTime":"2026-03-01T11:30:00Z","readOnly":true}`, true},
		{`{"eventTime":"2026-03-01T11:30:00Z","readonly":"TRUE"}`, true},
		{`{"eventTime":"2026-03-01T11:30:00Z","readOnly":false}`, false},
		{`{"eventTime":"2026-03-01T11:30:00Z","requestParameters":{"readOnly":true}}`, false},
		{`{"eventTime":"2026-03-01T11:30:00Z","readOnly":true,"readOnly":false}`, false},
		{`{"eventTime":"2026-03-01T11:30:00Z","r\u0065adOnly":false,"readOnly":true}`, false},
	} {
		if got := f.skipEntry(scanEntry([]byte(tc.raw)), true); got != tc.skip {
			t.Errorf("%s: skipped %v, want %v", tc.raw, got, tc.skip)
		}
	}
	if (Filter{}).skipEntry(scanEntry([]byte(`{"eventTime":"1999-01-01T00:00:00Z","readOnly":true}`)), true) {
		t.Error("an unbounded filter dropped a record")
	}
}

// TestReadDirFilterAgreesWithReadDir: the early decision keeps exactly what
// reading everything and then selecting keeps.
func TestReadDirFilterAgreesWithReadDir(t *testing.T) {
	dir := filepath.Join(samplesDir, "invictus-ir_aws_dataset", "CloudTrail")
	all, rejectedAll, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(all, func(a, b investigation.Event) int { return a.Time.Compare(b.Time) })
	start, end := all[len(all)/4].Time, all[len(all)/2].Time
	keep := func(e *investigation.Event) bool { return !e.ReadOnly && !e.Time.Before(start) && !e.Time.After(end) }
	var want []string
	for _, e := range all {
		if keep(&e) {
			want = append(want, e.ID)
		}
	}
	got, rejected, err := ReadDirFilter(dir, Filter{Start: start, End: end, Keep: keep})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range got {
		ids = append(ids, e.ID)
	}
	slices.Sort(ids)
	slices.Sort(want)
	if len(want) == 0 || !slices.Equal(ids, want) || len(rejected) != len(rejectedAll) {
		t.Errorf("filtered read kept %d events (%d rejected), reading all then selecting keeps %d (%d rejected)",
			len(ids), len(rejected), len(want), len(rejectedAll))
	}

	// The same question asked with the reader's own read-only check, each
	// file's events handed over rather than held.
	var mu sync.Mutex
	ids = ids[:0]
	rejected, err = ReadDirEach(dir, Filter{Start: start, End: end, SkipReadOnly: true, NoRaw: true}, func(events []investigation.Event) {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range events {
			if e.Raw != nil || e.RequestJSON != nil {
				t.Errorf("%s kept its raw record", e.ID)
			}
			ids = append(ids, e.ID)
		}
	})
	slices.Sort(ids)
	if err != nil || !slices.Equal(ids, want) || len(rejected) != len(rejectedAll) {
		t.Errorf("ReadDirEach kept %d events (%d rejected, %v), want %d", len(ids), len(rejected), err, len(want))
	}
}

// Every resource name the decode reads in a sample or corpus record is one
// the raw check keeps the record for: dropping by name never loses a record
// a ResourceName lookup would find.
func TestMayNameKeepsEveryNamedRecord(t *testing.T) {
	paths := sampleAndCorpusPaths(t)
	names, records, dropped := 0, 0, 0
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if data, err = gunzipIfCompressed(data); err != nil {
			continue
		}
		entries, err := splitEntries(data)
		if err != nil {
			continue
		}
		for _, raw := range entries {
			e, err := parse(raw)
			if err != nil {
				continue
			}
			for _, r := range e.Resources {
				names++
				if !mayName(raw, nameNeedles([]string{r.Name})) {
					t.Errorf("%s: record %s names %q but the raw check drops it", p, e.ID, r.Name)
				}
			}
			records++
			if !mayName(raw, nameNeedles([]string{"no-such-resource-name"})) {
				dropped++
			}
		}
	}
	if names < 1000 {
		t.Errorf("only %d resource names read: the samples are missing", names)
	}
	// The check must drop most records that do not name the resource, or it
	// saves nothing.
	if dropped*2 < records {
		t.Errorf("only %d of %d records dropped for an unknown name", dropped, records)
	}
	t.Logf("%d records, %d resource names; %d records dropped for an unknown name", records, names, dropped)
}

func TestNameNeedles(t *testing.T) {
	tests := []struct {
		names []string
		want  []string // nil: no dropping by name
	}{
		{nil, nil},
		{[]string{"orders-api"}, []string{"orders-api"}},
		{[]string{"arn:aws:iam::123456789012:role/svc/orders"}, []string{"orders"}},
		{[]string{"targetgroup/tg/0123", "/app/db/url"}, []string{"0123", "url"}},
		{[]string{"orders", "dir/"}, nil},
		{[]string{"50%off"}, nil},
		{[]string{`a"b`}, nil},
	}
	for _, tt := range tests {
		got := nameNeedles(tt.names)
		if (got == nil) != (tt.want == nil) || len(got) != len(tt.want) {
			t.Errorf("nameNeedles(%q) = %q, want %q", tt.names, got, tt.want)
			continue
		}
		for i := range got {
			if string(got[i]) != tt.want[i] {
				t.Errorf("nameNeedles(%q) = %q, want %q", tt.names, got, tt.want)
			}
		}
	}
}

func TestMayName(t *testing.T) {
	needles := [][]byte{[]byte("orders")}
	tests := []struct {
		raw  string
		want bool
	}{
		{`{"requestParameters":{"roleName":"orders"}}`, true},
		{`{"requestParameters":{"roleName":"billing"}}`, false},
		{`{"requestParameters":{"policyDocument":"{\"Effect\":\"Allow\"}","p":"a\\b"}}`, false},
		{`{"requestParameters":{"roleName":"\u006frders"}}`, true},
		{`{"requestParameters":{"roleArn":"arn:aws:iam::1:role\/x"}}`, false}, // a needle holds no "/"
		{`{"requestParameters":{"policy":"{\n\t\"a\": 1\r\b\f}"}}`, false},    // nor a control character
		{`{"requestParameters":{"roleName":"\u003corders\u003e"}}`, true},
		{`{"requestParameters":{"roleName":"\u003cbilling\u0026"}}`, false}, // "<" and "&" are not a needle's
		{`{"requestParameters":{"roleName":"\u00e9"}}`, true},               // beyond ASCII: kept
		{`{"requestParameters":{"roleName":"\\u006frders"}}`, false},        // a backslash, then letters
		{`{"requestParameters":{"roleName":"\u00"}}`, true},
		{`{"requestParameters":{"functionName":"arn%3Aaws%3Alambda"}}`, false}, // ":" is not a needle's
		{`{"requestParameters":{"functionName":"arn%3Aaws%3A%6Frders"}}`, true},
		{`{"requestParameters":{"functionName":"caf%C3%A9"}}`, true}, // beyond ASCII: kept
		{`{"requestParameters":{"functionName":"%\u00366Frders"}}`, true},
		{`{"requestParameters":{"functionName":"\u00256Frders"}}`, true},
		{`{"requestParameters":{"functionName":"50%"}}`, true},
		{`{"a":"trailing\`, true},
	}
	for _, tt := range tests {
		if got := mayName([]byte(tt.raw), needles); got != tt.want {
			t.Errorf("mayName(%s) = %v, want %v", tt.raw, got, tt.want)
		}
	}
}
