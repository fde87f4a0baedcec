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

// NewTopology answers investigation.Topology from topology.json.
func NewTopology(sc *scenario.Scenario) *Topology {
	return &Topology{items: sc.Topology.Resources}
}

// Topology is topology.json as an investigation.Topology.
type Topology struct{ items []scenario.ConfigItem }

func (t *Topology) find(r investigation.Resource) *scenario.ConfigItem {
	for i := range t.items {
		it := &t.items[i]
		if it.Type != r.Type {
			continue
		}
		if it.ID == r.ID || (it.ARN != "" && (it.ARN == r.ID || it.ARN == r.ARN)) || (it.Name != "" && it.Name == r.ID) {
			return it
		}
	}
	return nil
}

// Resolve returns r under the id topology.json records it with.
func (t *Topology) Resolve(_ context.Context, r investigation.Resource) (investigation.Resource, error) {
	it := t.find(r)
	if it == nil {
		return r, investigation.ErrUnknownResource
	}
	r.ID = it.ID
	if it.ARN != "" {
		r.ARN = it.ARN
	}
	return r, nil
}

// Dependencies returns the relationships of r, with ids normalised to what CloudTrail records.
func (t *Topology) Dependencies(_ context.Context, r investigation.Resource) ([]investigation.Dependency, error) {
	it := t.find(r)
	if it == nil {
		return nil, investigation.ErrUnknownResource
	}
	out := make([]investigation.Dependency, 0, len(it.Relationships)+1)
	// A task definition names its containers' log groups in its
	// configuration, as DescribeTaskDefinition does; AWS Config records no
	// relationship for them.
	for _, g := range containerLogGroups(it) {
		out = append(out, investigation.Dependency{
			Resource: investigation.Resource{Type: investigation.TypeLogGroup, ID: g, Region: it.Region},
			Relation: "log group",
		})
	}
	for _, rel := range it.Relationships {
		d := investigation.Dependency{
			Resource: investigation.Resource{Type: rel.Type, ID: cloudTrailID(rel.Type, rel.ID), ARN: rel.ARN, Region: it.Region},
			Relation: rel.Name,
		}
		if rel.ARN == "" && strings.HasPrefix(rel.ID, "arn:") {
			d.ARN = rel.ID
		}
		if target := t.find(d.Resource); target != nil {
			d.ID = target.ID
			if target.Region != "" {
				d.Region = target.Region
			}
		}
		if d.Region != "" {
			d.Region = investigation.RegionFor(d.Type, d.Region)
		}
		out = append(out, d)
	}
	return out, nil
}

// containerLogGroups reads the awslogs groups of a task definition's containers.
func containerLogGroups(it *scenario.ConfigItem) []string {
	if it.Type != "AWS::ECS::TaskDefinition" || len(it.Configuration) == 0 {
		return nil
	}
	var td struct {
		ContainerDefinitions []struct {
			LogConfiguration struct {
				LogDriver string            `json:"logDriver"`
				Options   map[string]string `json:"options"`
			} `json:"logConfiguration"`
		} `json:"containerDefinitions"`
	}
	if json.Unmarshal(it.Configuration, &td) != nil {
		return nil
	}
	var groups []string
	for _, c := range td.ContainerDefinitions {
		if g := c.LogConfiguration.Options["awslogs-group"]; c.LogConfiguration.LogDriver == "awslogs" && g != "" {
			groups = append(groups, g)
		}
	}
	return groups
}

// cloudTrailID turns an id as AWS Config may give it into the form CloudTrail
// requests name the resource by: roles by name, keys by key id, policies by ARN.
func cloudTrailID(typ, id string) string {
	if !strings.HasPrefix(id, "arn:") {
		return id
	}
	resource := id
	if parts := strings.SplitN(id, ":", 6); len(parts) == 6 {
		resource = parts[5]
	}
	switch typ {
	case "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::InstanceProfile":
		return resource[strings.LastIndex(resource, "/")+1:]
	case "AWS::KMS::Key":
		return strings.TrimPrefix(resource, "key/")
	case "AWS::Lambda::Function":
		return strings.TrimPrefix(resource, "function:")
	case "AWS::EC2::SecurityGroup", "AWS::EC2::Subnet", "AWS::EC2::Instance", "AWS::EC2::VPC":
		return resource[strings.LastIndex(resource, "/")+1:]
	}
	return id
}

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
		EvaluationPeriods: m.EvaluationPeriods}
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
