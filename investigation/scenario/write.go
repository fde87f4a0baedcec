package scenario

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Write creates the scenario folder dir holding sc. The files are written
// into a temporary folder beside dir and renamed into place whole, so that a
// failure leaves no half-written scenario for eval to read. dir must not
// exist yet.
func Write(dir string, sc *Scenario) error {
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("write scenario %s: already exists", dir)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".writing-")
	if err != nil {
		return fmt.Errorf("write scenario %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp)
	if err := writeFiles(tmp, sc); err != nil {
		return fmt.Errorf("write scenario %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("write scenario %s: %w", dir, err)
	}
	return nil
}

func writeFiles(dir string, sc *Scenario) error {
	if len(sc.Alarm) == 0 {
		return errors.New("no alarm")
	}
	if err := writeJSON(dir, "scenario.json", sc.Meta); err != nil {
		return err
	}
	if err := writeRaw(dir, alarmFile(sc.Alarm), sc.Alarm); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(dir, "trail"), 0o755); err != nil {
		return err
	}
	for _, f := range sc.Trail {
		if err := writeRaw(filepath.Join(dir, "trail"), filepath.FromSlash(f.Name), f.Data); err != nil {
			return err
		}
	}
	// Optional files are written only when the scenario has them, so that a
	// scenario written back is the one that was read.
	optional := []struct {
		name    string
		present bool
		v       any
	}{
		{"expect.json", sc.Expect != nil, sc.Expect},
		{"topology.json", sc.Topology.Resources != nil, sc.Topology},
		{"logs.json", sc.Logs.Groups != nil, sc.Logs},
		{"iam.json", sc.IAM.Roles != nil || sc.IAM.Policies != nil, sc.IAM},
		{"model.json", sc.Model.Turns != nil, sc.Model},
		{"feeds.json", sc.Feeds != nil, sc.Feeds},
		{"metrics.json", sc.Metrics != nil, sc.Metrics},
		{"trails.json", sc.Trails != nil, sc.Trails},
	}
	for _, f := range optional {
		if !f.present {
			continue
		}
		if err := writeJSON(dir, f.name, f.v); err != nil {
			return err
		}
	}
	if sc.Alarms != nil {
		return writeRaw(dir, "alarms.json", sc.Alarms)
	}
	return nil
}

// alarmFile names the alarm after its form: the SNS message or event as
// JSON, anything else (an e-mail notification) as text.
func alarmFile(alarm []byte) string {
	if json.Valid(alarm) {
		return "alarm.json"
	}
	return "alarm.txt"
}

func writeJSON(dir, name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	return writeRaw(dir, name, append(data, '\n'))
}

func writeRaw(dir, name string, data []byte) error {
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}
