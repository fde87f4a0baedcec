package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/trailhound/trailhound/testdata/scenarios"
)

// builtInScenarios writes the demo's scenarios built into the binary to a
// temporary folder (the sandbox reads scenarios from disk) and returns it
// with the function that removes it.
func builtInScenarios() (string, func(), error) {
	dir, err := os.MkdirTemp("", "trailhound-demo-")
	if err != nil {
		return "", nil, fmt.Errorf("demo: %w", err)
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	err = fs.WalkDir(scenarios.Demo, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := scenarios.Demo.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("demo: unpack the built-in scenarios: %w", err)
	}
	return dir, cleanup, nil
}
