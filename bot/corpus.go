package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/changes"
	"github.com/trailhound/trailhound/investigation/engine"
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

// scenarioFiles are the files of a scenario folder (DESIGN §5).
type scenarioFiles struct {
	meta     map[string]any
	alarm    map[string]any
	records  []json.RawMessage
	topology map[string]any
	logs     map[string]any
	expect   map[string]any
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
	files, err := b.captureScenario(ctx, st, *right, c)
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("%s-%s-%s", c.at.UTC().Format("20060102T150405Z"), slug(st.Alarm.Name), slug(st.Report.ArtifactID))
	path := filepath.Join(dir, strings.TrimSuffix(name, "-"))
	tmp, err := os.MkdirTemp(dir, ".writing-")
	if err != nil {
		return "", fmt.Errorf("write scenario: %w", err)
	}
	defer os.RemoveAll(tmp)
	write := func(rel string, v any) error {
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return fmt.Errorf("encode %s: %w", rel, err)
		}
		if err := os.WriteFile(filepath.Join(tmp, rel), append(data, '\n'), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", rel, err)
		}
		return nil
	}
	if err := os.Mkdir(filepath.Join(tmp, "trail"), 0o755); err != nil {
		return "", fmt.Errorf("write scenario: %w", err)
	}
	parts := []struct {
		rel string
		v   any
	}{
		{"scenario.json", files.meta},
		{"alarm.json", files.alarm},
		{filepath.Join("trail", "captured.json"), map[string]any{"Records": files.records}},
		{"expect.json", files.expect},
	}
	if files.topology != nil {
		parts = append(parts, struct {
			rel string
			v   any
		}{"topology.json", files.topology})
	}
	if files.logs != nil {
		parts = append(parts, struct {
			rel string
			v   any
		}{"logs.json", files.logs})
	}
	for _, p := range parts {
		if err := write(p.rel, p.v); err != nil {
			return "", fmt.Errorf("write scenario: %w", err)
		}
	}
	// Renamed into place whole, so that eval never reads half a folder.
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("write scenario %s: %w", path, err)
	}
	return path, nil
}

// captureScenario reads what the scenario needs.
func (b *Bot) captureScenario(ctx context.Context, st store.ThreadState, right investigation.Candidate, c correction) (scenarioFiles, error) {
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
		return scenarioFiles{}, fmt.Errorf("capture the trail: %w", err)
	}
	files := scenarioFiles{
		meta: map[string]any{
			"title":   fmt.Sprintf("%s: cause #%d chosen in Slack over the ranking", a.Name, c.rightRank),
			"account": a.Account,
			"region":  a.Region,
			"now":     firstTime(st.UpdatedAt, symptom.Add(engine.DeliveryLag)).UTC().Format(time.RFC3339),
		},
		alarm: alarmMessage(a),
	}
	for _, e := range found.Events {
		if len(e.Raw) > 0 && json.Valid(e.Raw) {
			files.records = append(files.records, e.Raw)
		}
	}
	rightIDs := make([]string, 0, len(right.Events))
	for _, e := range right.Events {
		rightIDs = append(rightIDs, e.EventID)
		if !slices.ContainsFunc(found.Events, func(x investigation.Event) bool { return x.ID == e.EventID }) {
			ev, err := b.deps.Changes.Event(lctx, e.Region, e.EventID, symptom.Add(engine.DeliveryLag))
			if err != nil {
				return scenarioFiles{}, fmt.Errorf("capture the chosen cause's event %s: %w", e.EventID, err)
			}
			files.records = append(files.records, ev.Raw)
		}
	}
	notes := fmt.Sprintf("Written from Slack feedback by %s at %s: the ranking put #1 %q first; #%d %q was chosen as the cause.",
		c.user, c.at.UTC().Format(time.RFC3339), firstSummary(st.Report), right.Rank, right.Summary)
	if len(found.Notes) > 0 {
		notes += " Capture notes: " + strings.Join(found.Notes, "; ")
	}
	files.expect = map[string]any{"cause": rightIDs, "category": string(right.Category), "blind_spot": "", "notes": notes}
	if b.deps.Topology != nil {
		files.topology = b.captureTopology(ctx, resources)
	}
	if b.deps.Logs != nil {
		files.logs = b.captureLogs(ctx, resources, window.Start, symptom.Add(engine.LogTail))
	}
	return files, nil
}

func (b *Bot) captureTopology(ctx context.Context, resources []investigation.Resource) map[string]any {
	var items []map[string]any
	for _, r := range resources {
		if r.Type == "" {
			continue
		}
		deps, err := b.deps.Topology.Dependencies(ctx, r)
		if err != nil {
			continue
		}
		var rels []map[string]any
		for _, d := range deps {
			rels = append(rels, map[string]any{"type": d.Type, "id": d.ID, "name": d.Relation, "arn": d.ARN})
		}
		items = append(items, map[string]any{"type": r.Type, "id": r.ID, "arn": r.ARN, "region": r.Region, "relationships": rels})
	}
	return map[string]any{"resources": items}
}

// captureLogs reads the error lines of the functions in scope: the log
// groups the engine corroborates Lambda alarms with.
func (b *Bot) captureLogs(ctx context.Context, resources []investigation.Resource, start, end time.Time) map[string]any {
	var groups []map[string]any
	for _, r := range resources {
		if r.Type != "AWS::Lambda::Function" {
			continue
		}
		group := "/aws/lambda/" + r.ID
		lines, err := b.deps.Logs.Errors(ctx, group, start, end, maxScenarioLogLines)
		if err != nil {
			continue
		}
		var events []map[string]any
		for _, l := range lines {
			events = append(events, map[string]any{"timestamp": l.Time.UnixMilli(), "message": l.Message})
		}
		groups = append(groups, map[string]any{"name": group, "events": events})
	}
	return map[string]any{"groups": groups}
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
