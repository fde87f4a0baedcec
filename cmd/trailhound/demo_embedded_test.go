package main

import (
	"path/filepath"
	"testing"

	"github.com/trailhound/trailhound/investigation/scenario"
)

// TestDemoScenariosAreBuiltIn: every scenario the demo plays by default is
// in the binary, whole, so `trailhound demo` needs no folder.
func TestDemoScenariosAreBuiltIn(t *testing.T) {
	dir, cleanup, err := builtInScenarios()
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	dirs, err := pickDemoScenarios(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != len(demoScenarios) {
		t.Fatalf("built in: %v, want %v", dirs, demoScenarios)
	}
	for i, d := range dirs {
		if filepath.Base(d) != demoScenarios[i] {
			t.Errorf("scenario %d = %s, want %s", i, filepath.Base(d), demoScenarios[i])
		}
		if _, err := scenario.Load(d); err != nil {
			t.Errorf("%s: %v", demoScenarios[i], err)
		}
	}
}
