// Package sandbox emulates the AWS and Slack APIs Trailhound uses, speaking
// their real wire protocols, from a scenario folder (DESIGN §5). The demo, the
// triage and eval commands and the tests all run the unmodified SDK clients
// against it.
package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Scenario is one incident as files: the alarm, the trail and what the AWS
// APIs would answer about the account at the time.
type Scenario struct {
	Dir     string
	Meta    Meta
	Alarm   []byte // the notification exactly as delivered (alarm.json or alarm.txt)
	Expect  *Expect
	TrailIn string // folder of CloudTrail files

	Topology TopologyFile
	Logs     LogsFile
	IAM      IAMFile
	Alarms   json.RawMessage // DescribeAlarms-shaped alarms, as the file holds them
	Model    ModelFile
}

// Meta is scenario.json.
type Meta struct {
	Title   string    `json:"title"`
	Account string    `json:"account"`
	Region  string    `json:"region"`
	Now     time.Time `json:"now"`
}

// Expect is expect.json: the right answer.
type Expect struct {
	Cause     []string `json:"cause"`
	Category  string   `json:"category"`
	BlindSpot string   `json:"blind_spot"`
	Notes     string   `json:"notes"`
}

// TopologyFile is topology.json, in AWS Config vocabulary.
type TopologyFile struct {
	Resources []ConfigItem `json:"resources"`
}

// ConfigItem is one resource as AWS Config records it.
type ConfigItem struct {
	Type          string            `json:"type"`
	ID            string            `json:"id"`
	Name          string            `json:"name,omitempty"`
	ARN           string            `json:"arn,omitempty"`
	Region        string            `json:"region,omitempty"`
	Configuration json.RawMessage   `json:"configuration,omitempty"`
	Relationships []ConfigRelatedTo `json:"relationships,omitempty"`
}

// ConfigRelatedTo is one relationship of a ConfigItem.
type ConfigRelatedTo struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Name string `json:"name"` // the relation, e.g. "Is associated with Role"
	ARN  string `json:"arn,omitempty"`
}

// LogsFile is logs.json.
type LogsFile struct {
	Groups []LogGroup `json:"groups"`
}

// LogGroup is one CloudWatch Logs group and its events.
type LogGroup struct {
	Name   string     `json:"name"`
	Events []LogEvent `json:"events"`
}

// LogEvent is one log event; Timestamp is in milliseconds since the epoch.
type LogEvent struct {
	Timestamp int64  `json:"timestamp"`
	Message   string `json:"message"`
}

// IAMFile is iam.json.
type IAMFile struct {
	Roles    []IAMRole   `json:"roles"`
	Policies []IAMPolicy `json:"policies"`
}

// IAMRole is a role with its attached and inline policies.
type IAMRole struct {
	Name             string                     `json:"name"`
	ARN              string                     `json:"arn"`
	AssumeRolePolicy json.RawMessage            `json:"assume_role_policy,omitempty"`
	Attached         []string                   `json:"attached"`
	Inline           map[string]json.RawMessage `json:"inline"`
}

// IAMPolicy is a managed policy and its versions.
type IAMPolicy struct {
	ARN            string             `json:"arn"`
	DefaultVersion string             `json:"default_version"`
	Versions       []IAMPolicyVersion `json:"versions"`
}

// IAMPolicyVersion is one version of a managed policy.
type IAMPolicyVersion struct {
	ID       string          `json:"id"`
	Created  time.Time       `json:"created"`
	Document json.RawMessage `json:"document"`
}

// ModelFile is model.json: the scripted answers of the sandbox Bedrock.
type ModelFile struct {
	Turns []ModelTurn `json:"turns"`
}

// ModelTurn is what one Converse call returns.
type ModelTurn struct {
	Content    []json.RawMessage `json:"content"`
	StopReason string            `json:"stopReason"`
	Usage      struct {
		InputTokens  int `json:"inputTokens"`
		OutputTokens int `json:"outputTokens"`
		TotalTokens  int `json:"totalTokens"`
	} `json:"usage"`
	// Error makes this call fail the way Bedrock does, e.g. "ThrottlingException".
	Error string `json:"error,omitempty"`
}

// LoadScenario reads a scenario folder. Optional files may be missing;
// a file that is present but malformed is an error naming it.
func LoadScenario(dir string) (*Scenario, error) {
	sc := &Scenario{Dir: dir, TrailIn: filepath.Join(dir, "trail")}
	if err := readJSON(dir, "scenario.json", &sc.Meta, true); err != nil {
		return nil, err
	}
	if sc.Meta.Account == "" || sc.Meta.Region == "" || sc.Meta.Now.IsZero() {
		return nil, fmt.Errorf("scenario %s: scenario.json needs account, region and now", dir)
	}
	var err error
	for _, name := range []string{"alarm.json", "alarm.txt"} {
		sc.Alarm, err = os.ReadFile(filepath.Join(dir, name))
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("scenario %s: %w", dir, err)
		}
	}
	if sc.Alarm == nil {
		return nil, fmt.Errorf("scenario %s: no alarm.json or alarm.txt", dir)
	}
	if st, err := os.Stat(sc.TrailIn); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("scenario %s: no trail/ folder", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "expect.json")); err == nil {
		sc.Expect = &Expect{}
		if err := readJSON(dir, "expect.json", sc.Expect, true); err != nil {
			return nil, err
		}
	}
	for name, into := range map[string]any{
		"topology.json": &sc.Topology,
		"logs.json":     &sc.Logs,
		"iam.json":      &sc.IAM,
		"model.json":    &sc.Model,
	} {
		if err := readJSON(dir, name, into, false); err != nil {
			return nil, err
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "alarms.json")); err == nil {
		if !json.Valid(b) {
			return nil, fmt.Errorf("scenario %s: alarms.json is not valid JSON", dir)
		}
		sc.Alarms = b
	}
	return sc, nil
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

// ListScenarios returns every folder under root that holds a scenario.json, sorted.
func ListScenarios(root string) ([]string, error) {
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
