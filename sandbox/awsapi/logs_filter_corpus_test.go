package awsapi

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/trailhound/trailhound/investigation/engine"
)

// TestFilterPatternSelectsNoteworthyLines: the filter pattern the Logs
// adapter sends must let through, on the server, every line of the corpus
// the engine reads; a line it drops is evidence the engine never sees.
func TestFilterPatternSelectsNoteworthyLines(t *testing.T) {
	match, apiErr := compileFilterPattern(engine.LogFilterPattern)
	if apiErr != nil {
		t.Fatalf("filter pattern refused: %v", apiErr)
	}
	files, err := filepath.Glob("../../testdata/scenarios/*/logs.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus logs: %v", err)
	}
	noteworthy, dropped := 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Groups []struct {
				Events []struct {
					Message string `json:"message"`
				} `json:"events"`
			} `json:"groups"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, g := range doc.Groups {
			for _, e := range g.Events {
				if !engine.Noteworthy(e.Message) {
					continue
				}
				noteworthy++
				if !match(e.Message) {
					dropped++
					if dropped <= 10 {
						t.Errorf("%s: filter pattern drops a line the engine reads: %q", filepath.Base(filepath.Dir(f)), e.Message)
					}
				}
			}
		}
	}
	if noteworthy == 0 {
		t.Fatal("no noteworthy lines in the corpus")
	}
	if dropped > 0 {
		t.Errorf("%d of %d noteworthy lines dropped", dropped, noteworthy)
	}
}
