// Package offline answers the engine's sources from a scenario's own data, in
// process, for the engine without HTTP: unit tests and the `--offline`
// commands. The AWS emulator (sandbox/awsapi) serves the same data over the
// wire.
package offline

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/engine"
	"github.com/trailhound/trailhound/investigation/scenario"
)

// NewLogs answers investigation.Logs from logs.json.
func NewLogs(sc *scenario.Scenario) *Logs { return &Logs{groups: sc.Logs.Groups} }

// Logs is logs.json as an investigation.Logs.
type Logs struct{ groups []scenario.LogGroup }

// Errors returns the noteworthy lines of group in [start, end), oldest first.
func (l *Logs) Errors(_ context.Context, group string, start, end time.Time, limit int) ([]investigation.LogLine, error) {
	for _, g := range l.groups {
		if g.Name != group {
			continue
		}
		var out []investigation.LogLine
		for _, e := range g.Events {
			at := time.UnixMilli(e.Timestamp).UTC()
			if at.Before(start) || !at.Before(end) || !engine.Noteworthy(e.Message) {
				continue
			}
			out = append(out, investigation.LogLine{Group: group, Time: at, Message: e.Message})
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
		if limit > 0 && len(out) > limit {
			out = out[:limit]
		}
		return out, nil
	}
	return nil, investigation.ErrUnknownResource
}

// LogGroups lists logs.json's groups whose name holds pattern,
// case-insensitively, as DescribeLogGroups' logGroupNamePattern matches.
func (l *Logs) LogGroups(_ context.Context, _ string, pattern string, limit int) ([]string, error) {
	var out []string
	for _, g := range l.groups {
		if strings.Contains(strings.ToLower(g.Name), strings.ToLower(pattern)) {
			out = append(out, g.Name)
		}
	}
	sort.Strings(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// NewIAM answers investigation.IAM from iam.json.
func NewIAM(sc *scenario.Scenario) *IAM { return &IAM{file: sc.IAM} }

// IAM is iam.json as an investigation.IAM.
type IAM struct{ file scenario.IAMFile }

// PolicyVersions lists the versions of a managed policy.
func (s *IAM) PolicyVersions(_ context.Context, arn string) ([]investigation.PolicyVersion, error) {
	for _, p := range s.file.Policies {
		if p.ARN != arn {
			continue
		}
		out := make([]investigation.PolicyVersion, 0, len(p.Versions))
		for _, v := range p.Versions {
			out = append(out, investigation.PolicyVersion{ID: v.ID, Created: v.Created, IsDefault: v.ID == p.DefaultVersion, Document: v.Document})
		}
		return out, nil
	}
	return nil, fmt.Errorf("policy %s: %w", arn, investigation.ErrUnknownResource)
}

// NewAlarms answers investigation.Alarms from alarms.json.
func NewAlarms(sc *scenario.Scenario) (*Alarms, error) {
	s := &Alarms{}
	if len(sc.Alarms) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(sc.Alarms, &s.file); err != nil {
		return nil, fmt.Errorf("scenario %s: alarms.json: %w", sc.Dir, err)
	}
	return s, nil
}

// alarmsFile is alarms.json: DescribeAlarms' response, with its field names.
type alarmsFile struct {
	MetricAlarms    []metricAlarm    `json:"MetricAlarms"`
	CompositeAlarms []compositeAlarm `json:"CompositeAlarms"`
}

// metricAlarm is one metric alarm as DescribeAlarms returns it.
type metricAlarm struct {
	AlarmName             string
	AlarmArn              string
	AlarmDescription      string
	StateValue            string
	StateReason           string
	StateUpdatedTimestamp time.Time
	Namespace             string
	MetricName            string
	Statistic             string
	Period                int
	EvaluationPeriods     int
	ComparisonOperator    string
	Threshold             float64
	Dimensions            []struct{ Name, Value string }
	Metrics               []struct {
		Id         string
		Expression string
		MetricStat *struct {
			Metric struct {
				Namespace  string
				MetricName string
				Dimensions []struct{ Name, Value string }
			}
			Period int
			Stat   string
		}
	}
}

// compositeAlarm is one composite alarm as DescribeAlarms returns it.
type compositeAlarm struct {
	AlarmName             string
	AlarmArn              string
	AlarmRule             string
	StateValue            string
	StateReason           string
	StateUpdatedTimestamp time.Time
}

// Alarms is alarms.json as an investigation.Alarms.
type Alarms struct{ file alarmsFile }

// DescribeAlarms returns the named alarms that exist.
func (s *Alarms) DescribeAlarms(_ context.Context, region string, names []string) ([]investigation.Alarm, error) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []investigation.Alarm
	for _, m := range s.file.MetricAlarms {
		if want[m.AlarmName] {
			out = append(out, m.Alarm(region))
		}
	}
	for _, c := range s.file.CompositeAlarms {
		if want[c.AlarmName] {
			out = append(out, investigation.Alarm{Name: c.AlarmName, ARN: c.AlarmArn, Region: region,
				State: investigation.State(c.StateValue), AlarmRule: c.AlarmRule, Reason: c.StateReason,
				StateChangeTime: c.StateUpdatedTimestamp})
		}
	}
	return out, nil
}

// Alarm converts a DescribeAlarms metric alarm.
func (m metricAlarm) Alarm(region string) investigation.Alarm {
	a := investigation.Alarm{Name: m.AlarmName, ARN: m.AlarmArn, Region: region, Description: m.AlarmDescription,
		State: investigation.State(m.StateValue), Reason: m.StateReason, StateChangeTime: m.StateUpdatedTimestamp,
		EvaluationPeriods: m.EvaluationPeriods, Comparison: m.ComparisonOperator, Threshold: m.Threshold}
	if m.MetricName != "" {
		met := investigation.Metric{Namespace: m.Namespace, Name: m.MetricName, Stat: m.Statistic, Period: m.Period}
		for _, d := range m.Dimensions {
			met.Dimensions = append(met.Dimensions, investigation.Dimension{Name: d.Name, Value: d.Value})
		}
		a.Metrics = append(a.Metrics, met)
	}
	for _, q := range m.Metrics {
		met := investigation.Metric{ID: q.Id, Expression: q.Expression}
		if q.MetricStat != nil {
			met.Namespace, met.Name = q.MetricStat.Metric.Namespace, q.MetricStat.Metric.MetricName
			met.Period, met.Stat = q.MetricStat.Period, q.MetricStat.Stat
			for _, d := range q.MetricStat.Metric.Dimensions {
				met.Dimensions = append(met.Dimensions, investigation.Dimension{Name: d.Name, Value: d.Value})
			}
		}
		a.Metrics = append(a.Metrics, met)
	}
	return a
}
