package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/changes"
	"github.com/trailhound/trailhound/investigation/engine"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/store"
)

// maxScenarioLogLines bounds the log lines a scenario keeps per group.
const maxScenarioLogLines = 500

// correction is a 👎 resolved: the thread's triage, and the cause that was
// right according to someone who was there.
type correction struct {
	state     store.ThreadState
	rightRank int
	user      string
	at        time.Time
}

// writeScenario captures the triage of c as a scenario folder under dir,
// whose expect.json names the corrected cause, and returns its path. The
// trail is read again from CloudTrail over the walk's windows, so the
// folder replays what the engine saw; the topology and log lines are read
// when those sources are configured.
func (b *Bot) writeScenario(ctx context.Context, dir string, c correction) (string, error) {
	st := c.state
	var right *investigation.Candidate
	for i := range st.Report.Candidates {
		if st.Report.Candidates[i].Rank == c.rightRank {
			right = &st.Report.Candidates[i]
		}
	}
	if right == nil {
		return "", fmt.Errorf("the report has no cause #%d", c.rightRank)
	}
	if st.Alarm.Name == "" || st.Alarm.StateChangeTime.IsZero() {
		return "", errors.New("the thread keeps no alarm to replay")
	}
	if b.deps.Changes == nil {
		return "", errors.New("no CloudTrail access to capture the trail with")
	}
	sc, err := b.captureScenario(ctx, st, *right, c)
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("%s-%s-%s", c.at.UTC().Format("20060102T150405Z"), slug(st.Alarm.Name), slug(st.Report.ArtifactID))
	path := filepath.Join(dir, strings.TrimSuffix(name, "-"))
	if err := scenario.Write(path, sc); err != nil {
		return "", err
	}
	return path, nil
}

// captureScenario reads what the scenario needs.
func (b *Bot) captureScenario(ctx context.Context, st store.ThreadState, right investigation.Candidate, c correction) (*scenario.Scenario, error) {
	a := st.Alarm
	symptom := a.StateChangeTime
	window := investigation.Window{Start: symptom.Add(-engine.Layer2Window), End: symptom.Add(engine.DeliveryLag)}
	if s := st.Report.Window; !s.Start.IsZero() && s.Start.Before(window.Start) {
		window.Start = s.Start
	}
	resources := alarmResources(ctx, a, b.deps.Alarms)
	for _, r := range threadResources(&st) {
		if !slices.ContainsFunc(resources, func(x investigation.Resource) bool { return x.Key() == r.Key() }) {
			resources = append(resources, r)
		}
	}
	lctx, cancel := context.WithTimeout(ctx, changeTimeout)
	defer cancel()
	found, err := b.deps.Changes.Changes(lctx, changes.Query{Resources: resources, Window: window})
	if err != nil {
		return nil, fmt.Errorf("capture the trail: %w", err)
	}
	alarm, err := json.MarshalIndent(alarmMessage(a), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode the alarm: %w", err)
	}
	sc := &scenario.Scenario{
		Meta: scenario.Meta{
			Title:   fmt.Sprintf("%s: cause #%d chosen in Slack over the ranking", a.Name, c.rightRank),
			Account: a.Account,
			Region:  a.Region,
			// Whole seconds, as CloudTrail and the alarm time things.
			Now: firstTime(st.UpdatedAt, symptom.Add(engine.DeliveryLag)).UTC().Truncate(time.Second),
		},
		Alarm: append(alarm, '\n'),
	}
	var records []json.RawMessage
	for _, e := range found.Events {
		if len(e.Raw) > 0 && json.Valid(e.Raw) {
			records = append(records, e.Raw)
		}
	}
	rightIDs := make([]string, 0, len(right.Events))
	for _, e := range right.Events {
		rightIDs = append(rightIDs, e.EventID)
		if !slices.ContainsFunc(found.Events, func(x investigation.Event) bool { return x.ID == e.EventID }) {
			ev, err := b.deps.Changes.Event(lctx, e.Region, e.EventID, symptom.Add(engine.DeliveryLag))
			if err != nil {
				return nil, fmt.Errorf("capture the chosen cause's event %s: %w", e.EventID, err)
			}
			records = append(records, ev.Raw)
		}
	}
	notes := fmt.Sprintf("Written from Slack feedback by %s at %s: the ranking put #1 %q first; #%d %q was chosen as the cause.",
		c.user, c.at.UTC().Format(time.RFC3339), firstSummary(st.Report), right.Rank, right.Summary)
	if len(found.Notes) > 0 {
		notes += " Capture notes: " + strings.Join(found.Notes, "; ")
	}
	sc.Expect = &scenario.Expect{Cause: rightIDs, Category: string(right.Category), Notes: notes}
	trail, err := json.MarshalIndent(map[string]any{"Records": records}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode the trail: %w", err)
	}
	sc.Trail = []scenario.TrailFile{{Name: "captured.json", Data: append(trail, '\n')}}
	if b.deps.Topology != nil {
		sc.Topology = b.captureTopology(ctx, resources)
	}
	if b.deps.Logs != nil {
		sc.Logs = b.captureLogs(ctx, resources, window.Start, symptom.Add(engine.LogTail))
	}
	return sc, nil
}

func (b *Bot) captureTopology(ctx context.Context, resources []investigation.Resource) scenario.TopologyFile {
	// Not nil, so that topology.json is written whenever the source is configured.
	items := []scenario.ConfigItem{}
	for _, r := range resources {
		if r.Type == "" {
			continue
		}
		deps, err := b.deps.Topology.Dependencies(ctx, r)
		if err != nil {
			continue
		}
		var rels []scenario.ConfigRelatedTo
		for _, d := range deps {
			rels = append(rels, scenario.ConfigRelatedTo{Type: d.Type, ID: d.ID, Name: d.Relation, ARN: d.ARN})
		}
		items = append(items, scenario.ConfigItem{Type: r.Type, ID: r.ID, ARN: r.ARN, Region: r.Region, Relationships: rels})
	}
	return scenario.TopologyFile{Resources: items}
}

// captureLogs reads the error lines of the functions in scope: the log
// groups the engine corroborates Lambda alarms with.
func (b *Bot) captureLogs(ctx context.Context, resources []investigation.Resource, start, end time.Time) scenario.LogsFile {
	groups := []scenario.LogGroup{}
	for _, r := range resources {
		if r.Type != "AWS::Lambda::Function" {
			continue
		}
		group := "/aws/lambda/" + r.ID
		lines, err := b.deps.Logs.Errors(ctx, group, start, end, maxScenarioLogLines)
		if err != nil {
			continue
		}
		var events []scenario.LogEvent
		for _, l := range lines {
			events = append(events, scenario.LogEvent{Timestamp: l.Time.UnixMilli(), Message: l.Message})
		}
		groups = append(groups, scenario.LogGroup{Name: group, Events: events})
	}
	return scenario.LogsFile{Groups: groups}
}

// alarmMessage writes the alarm as the message CloudWatch publishes to SNS
// (delivered bare), the form intake reads back into the same alarm.
func alarmMessage(a investigation.Alarm) map[string]any {
	msg := map[string]any{
		"AlarmName":        a.Name,
		"AlarmDescription": a.Description,
		"AWSAccountId":     a.Account,
		"NewStateValue":    string(a.State),
		"NewStateReason":   a.Reason,
		"StateChangeTime":  a.StateChangeTime.UTC().Format("2006-01-02T15:04:05.000-0700"),
		"Region":           a.Region,
		"AlarmArn":         a.Identity(),
		"OldStateValue":    string(firstState(a.PreviousState, investigation.StateOK)),
	}
	if a.AlarmRule != "" {
		msg["AlarmRule"] = a.AlarmRule
	}
	trigger := map[string]any{"EvaluationPeriods": a.EvaluationPeriods}
	var queries []map[string]any
	for _, m := range a.Metrics {
		dims := make([]map[string]string, 0, len(m.Dimensions))
		for _, d := range m.Dimensions {
			dims = append(dims, map[string]string{"name": d.Name, "value": d.Value})
		}
		if len(a.Metrics) == 1 && m.Expression == "" {
			trigger["MetricName"], trigger["Namespace"], trigger["Statistic"] = m.Name, m.Namespace, strings.ToUpper(m.Stat)
			trigger["Dimensions"], trigger["Period"] = dims, m.Period
			continue
		}
		q := map[string]any{"Id": m.ID, "Period": m.Period}
		if m.Expression != "" {
			q["Expression"] = m.Expression
		} else {
			q["MetricStat"] = map[string]any{"Metric": map[string]any{"MetricName": m.Name, "Namespace": m.Namespace, "Dimensions": dims}, "Period": m.Period, "Stat": m.Stat}
		}
		queries = append(queries, q)
	}
	if len(queries) > 0 {
		trigger["Metrics"] = queries
	}
	msg["Trigger"] = trigger
	return msg
}

func firstState(s, def investigation.State) investigation.State {
	if s == "" {
		return def
	}
	return s
}

func firstTime(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}

func firstSummary(r investigation.Report) string {
	for _, c := range r.Candidates {
		if c.Rank == 1 {
			return c.Summary
		}
	}
	return ""
}

var slugUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

// slug makes a name safe as part of a folder name.
func slug(s string) string {
	s = strings.Trim(slugUnsafe.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 48 {
		s = strings.TrimRight(s[:48], "-")
	}
	return s
}
