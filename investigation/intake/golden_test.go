package intake

import (
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// Published samples (copied with their licences) and the package's own
// fixtures. Every file is a notification; its golden file is the alarm JSON
// (.json) or the error text (.err).
var goldenInputs = []struct{ dir, golden string }{
	{filepath.Join("..", "..", "testdata", "samples", "alarm-payloads"), filepath.Join("testdata", "golden", "samples")},
	{filepath.Join("testdata", "fixtures"), filepath.Join("testdata", "golden", "fixtures")},
}

func isNotification(path string) bool {
	ext := filepath.Ext(path)
	return ext == ".json" || ext == ".txt"
}

// render is what a golden file holds for one notification.
func render(t *testing.T, data []byte) (string, string) {
	t.Helper()
	alarm, err := Parse(data)
	if err != nil {
		out := "error: " + err.Error() + "\n"
		var incomplete *IncompleteError
		if errors.As(err, &incomplete) {
			ref, jerr := json.MarshalIndent(incomplete.Ref, "", "  ")
			if jerr != nil {
				t.Fatal(jerr)
			}
			out += "ref: " + string(ref) + "\n"
		}
		return ".err", out
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(alarm); err != nil {
		t.Fatal(err)
	}
	return ".json", b.String()
}

func TestGolden(t *testing.T) {
	parsed, failed := 0, 0
	for _, in := range goldenInputs {
		want := map[string]bool{}
		err := filepath.WalkDir(in.dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !isNotification(path) {
				return err
			}
			rel, err := filepath.Rel(in.dir, path)
			if err != nil {
				return err
			}
			t.Run(filepath.ToSlash(rel), func(t *testing.T) {
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				ext, got := render(t, data)
				if ext == ".json" {
					parsed++
				} else {
					failed++
				}
				golden := filepath.Join(in.golden, rel+ext)
				want[golden] = true
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				expected, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if got != string(expected) {
					t.Errorf("%s differs from %s:\n--- got\n%s--- want\n%s", rel, golden, got, expected)
				}
			})
			return nil
		})
		if err != nil {
			t.Fatalf("walk %s: %v", in.dir, err)
		}
		if len(want) == 0 {
			t.Fatalf("no notifications under %s", in.dir)
		}
		checkNoStaleGoldens(t, in.golden, want)
	}
	t.Logf("%d notifications parsed to an alarm, %d to an error", parsed, failed)
}

// checkNoStaleGoldens fails on golden files whose input is gone or now
// yields the other outcome (an alarm where an error was, or the reverse).
func checkNoStaleGoldens(t *testing.T, dir string, want map[string]bool) {
	t.Helper()
	var stale []string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !want[path] {
			stale = append(stale, path)
		}
		return nil
	})
	sort.Strings(stale)
	if len(stale) == 0 {
		return
	}
	if *update {
		for _, p := range stale {
			if err := os.Remove(p); err != nil {
				t.Error(err)
			}
		}
		return
	}
	t.Errorf("golden files without a matching outcome (run go test -update): %s", strings.Join(stale, ", "))
}
