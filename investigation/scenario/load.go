package scenario

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Load reads a scenario folder. Optional files may be missing; a file that
// is present but malformed is an error naming it.
func Load(dir string) (*Scenario, error) {
	sc := &Scenario{Dir: dir, TrailIn: filepath.Join(dir, "trail")}
	if err := readJSON(dir, "scenario.json", &sc.Meta, true); err != nil {
		return nil, err
	}
	if sc.Meta.Account == "" || sc.Meta.Region == "" || sc.Meta.Now.IsZero() {
		return nil, fmt.Errorf("scenario %s: scenario.json needs account, region and now", dir)
	}
	var err error
	if sc.Alarm, err = readAlarm(dir); err != nil {
		return nil, err
	}
	if sc.Trail, err = readTrail(dir, sc.TrailIn); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "expect.json")); err == nil {
		sc.Expect = &Expect{}
		if err := readJSON(dir, "expect.json", sc.Expect, true); err != nil {
			return nil, err
		}
	}
	if err := readOptional(sc); err != nil {
		return nil, err
	}
	return sc, nil
}

func readAlarm(dir string) ([]byte, error) {
	for _, name := range []string{"alarm.json", "alarm.txt"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("scenario %s: %w", dir, err)
		}
	}
	return nil, fmt.Errorf("scenario %s: no alarm.json or alarm.txt", dir)
}

// readTrail reads every file under trail/, so a scenario can be written
// elsewhere unchanged; which of them are CloudTrail files is the trail
// reader's business.
func readTrail(dir, trail string) ([]TrailFile, error) {
	if st, err := os.Stat(trail); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("scenario %s: no trail/ folder", dir)
	}
	var files []TrailFile
	err := filepath.WalkDir(trail, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(trail, path)
		if err != nil {
			return err
		}
		files = append(files, TrailFile{Name: filepath.ToSlash(rel), Data: data})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scenario %s: trail: %w", dir, err)
	}
	return files, nil
}

func readOptional(sc *Scenario) error {
	dir := sc.Dir
	for _, f := range []struct {
		name string
		into any
	}{
		{"topology.json", &sc.Topology},
		{"logs.json", &sc.Logs},
		{"iam.json", &sc.IAM},
		{"model.json", &sc.Model},
	} {
		if err := readJSON(dir, f.name, f.into, false); err != nil {
			return err
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "alarms.json")); err == nil {
		if !json.Valid(b) {
			return fmt.Errorf("scenario %s: alarms.json is not valid JSON", dir)
		}
		sc.Alarms = b
	}
	if exists(dir, "feeds.json") {
		sc.Feeds = &FeedsFile{}
		if err := readJSON(dir, "feeds.json", sc.Feeds, true); err != nil {
			return err
		}
	}
	if exists(dir, "trails.json") {
		sc.Trails = &TrailsFile{}
		if err := readJSON(dir, "trails.json", sc.Trails, true); err != nil {
			return err
		}
	}
	if exists(dir, "metrics.json") {
		sc.Metrics = &MetricsFile{}
		if err := readJSON(dir, "metrics.json", sc.Metrics, true); err != nil {
			return err
		}
		if err := sc.Metrics.check(); err != nil {
			return fmt.Errorf("scenario %s: metrics.json: %w", dir, err)
		}
	}
	return nil
}

// check rejects series a metrics source could not answer from.
func (m *MetricsFile) check() error {
	for i, s := range m.Series {
		if s.Namespace == "" || s.MetricName == "" {
			return fmt.Errorf("series %d: namespace and metric_name are required", i)
		}
		if len(s.Timestamps) != len(s.Values) {
			return fmt.Errorf("series %d (%s): %d timestamps but %d values", i, s.MetricName, len(s.Timestamps), len(s.Values))
		}
	}
	return nil
}

func exists(dir, name string) bool {
	_, err := os.Stat(filepath.Join(dir, name))
	return err == nil
}

func readJSON(dir, name string, into any, required bool) error {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) && !required {
		return nil
	}
	if err != nil {
		return fmt.Errorf("scenario %s: %w", dir, err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		return fmt.Errorf("scenario %s: %s: %w", dir, name, err)
	}
	return nil
}

// List returns every folder under root that holds a scenario.json, sorted.
func List(root string) ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == "scenario.json" {
			dirs = append(dirs, filepath.Dir(path))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list scenarios under %s: %w", root, err)
	}
	return dirs, nil
}
