package record

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

func TestFilterOutsideRaw(t *testing.T) {
	f := Filter{Start: time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		raw     string
		outside bool
	}{
		{`{"eventTime":"2026-03-01T10:59:59Z","eventName":"X"}`, true},
		{`{"eventTime" : "2026-03-01T12:00:01Z"}`, true},
		{`{"eventTime":"2026-03-01T11:30:00Z"}`, false},
		{`{"eventTime":"2026-03-01T12:00:00Z"}`, false}, // bounds are included
		{`{"eventTime":"2026-03-01T10:00:00Z","requestParameters":{"eventTime":"2026-03-01T11:30:00Z"}}`, false},
		{`{"eventTime":"2026-03-01T10:00:00\u005a"}`, false},
		{`{"eventName":"X"}`, false},
		{`{"eventTime":12}`, false},
	} {
		if got := f.outsideRaw([]byte(tc.raw)); got != tc.outside {
			t.Errorf("%s: outside %v, want %v", tc.raw, got, tc.outside)
		}
	}
	if (Filter{}).outsideRaw([]byte(`{"eventTime":"1999-01-01T00:00:00Z"}`)) {
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
}
