package record

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trailhound/trailhound/investigation"
)

// fuzzSeeds are the small sample files (every shape the samples hold, each
// a few kilobytes) and hand-made edge cases.
func fuzzSeeds(f *testing.F) [][]byte {
	f.Helper()
	var seeds [][]byte
	for _, dataset := range []string{"stratus-red-team_detonation-logs", "traildiscover", "zmallen_cloudtrail2sightings"} {
		err := filepath.WalkDir(filepath.Join(samplesDir, dataset), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.Contains(d.Name(), ".json") {
				return err
			}
			data, err := os.ReadFile(path)
			if err == nil && len(data) < 64<<10 {
				seeds = append(seeds, data)
			}
			return err
		})
		if err != nil {
			f.Fatal(err)
		}
	}
	for _, s := range []string{
		`{"Records":[]}`, `[]`, `{}`, `null`, `{"Records":null}`, `[{"event":{}}]`,
		recordAt("a", "2024-05-01T10:00:00Z") + "\n" + recordAt("b", "2024-05-01T10:00:00Z"),
		`{"eventTime":"2024-05-01T10:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"X","requestParameters":{"a":{"items":[{"content":"sg-0123abcd"}]}}}`,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

func checkEvents(t *testing.T, events []investigation.Event) {
	t.Helper()
	for _, e := range events {
		if e.ID == "" || e.Name == "" || e.Source == "" || e.Time.IsZero() {
			t.Fatalf("incomplete event %+v", e)
		}
		for _, r := range e.Resources {
			if r.Type == "" || r.Name == "" {
				t.Fatalf("empty resource in %v", e.Resources)
			}
		}
		again, err := Parse(e.Raw)
		if err != nil || again.ID != e.ID || len(again.Resources) != len(e.Resources) {
			t.Fatalf("re-parsing the event's Raw: %v (%s vs %s)", err, again.ID, e.ID)
		}
	}
}

// FuzzDecode feeds arbitrary file contents: Decode must not panic, and what
// it returns must be consistent.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		events, stats, err := Decode(data)
		if err != nil {
			if len(events) > 0 || err.Error() == "" {
				t.Fatalf("error %q with %d events", err, len(events))
			}
			return
		}
		if stats.Entries != len(events)+stats.Skipped {
			t.Fatalf("stats %+v for %d events", stats, len(events))
		}
		checkEvents(t, events)
		NewIndex(events).Lookup(investigation.Lookup{})
	})
}

// FuzzParse feeds arbitrary single records.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		var entries []json.RawMessage
		if json.Unmarshal(s, &entries) == nil {
			for _, e := range entries {
				f.Add([]byte(e))
			}
			continue
		}
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := Parse(raw)
		if err != nil {
			return
		}
		checkEvents(t, []investigation.Event{e})
	})
}
