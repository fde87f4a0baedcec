package scenario

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const corpus = "../../testdata/scenarios"

// TestRoundTrip writes every corpus scenario elsewhere and reads it back:
// the two must say the same, so the corrections writer's scenarios replay.
func TestRoundTrip(t *testing.T) {
	dirs, err := List(corpus)
	if err != nil || len(dirs) == 0 {
		t.Fatalf("list: %v (%d scenarios)", err, len(dirs))
	}
	out := t.TempDir()
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			first, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			copyDir := filepath.Join(out, filepath.Base(dir))
			if err := Write(copyDir, first); err != nil {
				t.Fatal(err)
			}
			second, err := Load(copyDir)
			if err != nil {
				t.Fatal(err)
			}
			if second.TrailIn != filepath.Join(copyDir, "trail") {
				t.Errorf("trail folder %s", second.TrailIn)
			}
			// JSON fields held raw are re-indented on the way, so the two
			// are compared as JSON, which ignores that white space.
			second.Dir, second.TrailIn = first.Dir, first.TrailIn
			a, b := mustJSON(t, first), mustJSON(t, second)
			if a != b {
				t.Errorf("reloaded scenario differs:\n%s\n%s", a, b)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// minimal writes the required files of a scenario into a new folder.
func minimal(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("scenario.json", `{"title":"t","account":"123456789012","region":"us-east-1","now":"2026-04-13T16:45:00Z"}`)
	write("alarm.json", `{"AlarmName":"a"}`)
	write("trail/x.json", `{"Records":[]}`)
	return dir
}

func TestOptionalFiles(t *testing.T) {
	dir := minimal(t)
	sc, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Feeds != nil || sc.Metrics != nil || sc.Expect != nil {
		t.Fatalf("absent files loaded: %+v %+v %+v", sc.Feeds, sc.Metrics, sc.Expect)
	}
	feeds := `{"ecs_services":[{"serviceName":"web","desiredCount":2}],"target_health":[{"Target":{"Id":"i-1"},"TargetHealth":{"State":"unhealthy"}}]}`
	metrics := `{"series":[{"namespace":"AWS/Lambda","metric_name":"Errors","dimensions":[{"Name":"FunctionName","Value":"f"}],"stat":"Sum","period":60,"timestamps":["2026-04-13T16:40:00Z","2026-04-13T16:41:00Z"],"values":[0,3]}]}`
	expect := `{"cause":["e1"],"category":"config","previous_values":["30"]}`
	topology := `{"resources":[{"type":"AWS::Lambda::Function","id":"f","history":[{"configurationItemCaptureTime":"2026-04-13T10:00:00Z","configuration":{"timeout":30}}]}]}`
	for name, body := range map[string]string{"feeds.json": feeds, "metrics.json": metrics, "expect.json": expect, "topology.json": topology} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sc, err = Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Feeds == nil || len(sc.Feeds.ECSServices) != 1 || len(sc.Feeds.TargetHealth) != 1 {
		t.Errorf("feeds %+v", sc.Feeds)
	}
	if sc.Metrics == nil || len(sc.Metrics.Series) != 1 || sc.Metrics.Series[0].Values[1] != 3 || sc.Metrics.Series[0].Dimensions[0].Value != "f" {
		t.Errorf("metrics %+v", sc.Metrics)
	}
	if sc.Expect == nil || len(sc.Expect.PreviousValues) != 1 || sc.Expect.PreviousValues[0] != "30" {
		t.Errorf("expect %+v", sc.Expect)
	}
	h := sc.Topology.Resources[0].History
	if len(h) != 1 || h[0].CaptureTime.Hour() != 10 || string(h[0].Configuration) != `{"timeout":30}` {
		t.Errorf("history %+v", h)
	}
}

func TestMalformedOptionalFileIsNamed(t *testing.T) {
	for name, body := range map[string]string{
		"feeds.json":    `{"ecs_services":{}}`,
		"metrics.json":  `{"series":[{"namespace":"AWS/Lambda","metric_name":"Errors","timestamps":["2026-04-13T16:40:00Z"],"values":[]}]}`,
		"topology.json": `{"resources":[{"history":[{"configurationItemCaptureTime":"yesterday"}]}]}`,
		"alarms.json":   `{`,
		"logs.json":     `[]`,
	} {
		dir := minimal(t)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v does not name the file", name, err)
		}
	}
}

func TestWriteLeavesNothingOnFailure(t *testing.T) {
	root := t.TempDir()
	sc, err := Load(minimal(t))
	if err != nil {
		t.Fatal(err)
	}
	bad := *sc
	bad.Alarm = nil
	if err := Write(filepath.Join(root, "bad"), &bad); err == nil {
		t.Fatal("a scenario without an alarm was written")
	}
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Fatalf("a failed write left %v", entries)
	}
	if err := Write(filepath.Join(root, "good"), sc); err != nil {
		t.Fatal(err)
	}
	if err := Write(filepath.Join(root, "good"), sc); err == nil {
		t.Fatal("an existing scenario was overwritten")
	}
	if entries, _ := os.ReadDir(root); len(entries) != 1 {
		t.Fatalf("want only the written scenario, got %v", entries)
	}
}
