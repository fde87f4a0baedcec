package blocks

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/engine"
)

// stages are the steps a placeholder lists, in the order the engine runs them.
var stages = []struct {
	stage engine.Stage
	doing string // while it runs
}{
	{engine.StageScoped, "scoping the alarm's resources and their dependencies"},
	{engine.StageLayer1, fmt.Sprintf("layer 1: changes on the alarm's resources, %s before", duration(engine.Layer1Window))},
	{engine.StageLayer2, fmt.Sprintf("layer 2: changes on their dependencies, %s before", duration(engine.Layer2Window))},
	{engine.StageRanked, "ranking the changes"},
}

// Placeholder is the message posted at once when a triage starts and
// updated as each stage finishes; started is when the triage began.
func Placeholder(alarm investigation.Alarm, p engine.Progress, started time.Time) Message {
	name := dataLine(alarmName(alarm.Name), 200)
	var b builder
	head := fmt.Sprintf("🐾 *Walking the trail for %s…*", name)
	if !alarm.StateChangeTime.IsZero() {
		head += "\n" + stateMark(alarm.State) + " " + stateSince(alarm.State, alarm.StateChangeTime)
	}
	b.section("placeholder", head)

	done := -1
	for i, s := range stages {
		if s.stage == p.Stage {
			done = i
		}
	}
	var steps []string
	for i, s := range stages {
		switch {
		case i <= done:
			steps = append(steps, "✅ "+doneText(s.stage, p))
		case i == done+1:
			steps = append(steps, "⏳ "+s.doing+"…")
		default:
			steps = append(steps, "▫️ "+s.doing)
		}
	}
	b.context("progress", strings.Join(steps, "\n"))
	status := "started " + slackDate(started, dateTimeSecs)
	if done >= 1 {
		status = plural(p.Events, "change", "changes") + " found so far · " + status
	}
	b.context("status", status)
	return b.message(fmt.Sprintf("Walking the trail for %s…", escapeLine(alarmName(alarm.Name))))
}

func doneText(s engine.Stage, p engine.Progress) string {
	switch s {
	case engine.StageScoped:
		return "scoped " + plural(p.Resources, "resource", "resources")
	case engine.StageLayer1:
		return "layer 1 done"
	case engine.StageLayer2:
		return "layer 2 done"
	default:
		return "ranked; writing the report"
	}
}

// Refire is the note posted in the existing thread when the same alarm
// episode notifies again; count is how many notifications it has sent.
func Refire(alarm investigation.Alarm, count int, at time.Time) Message {
	name := dataLine(alarmName(alarm.Name), 200)
	line := fmt.Sprintf("🔁 *%s* fired again at %s", name, slackDate(at, dateTimeSecs))
	if count > 1 {
		line += fmt.Sprintf(" (%s notifications in this episode)", thousands(count))
	}
	line += "; the triage above still stands, no new walk."
	var b builder
	b.context("refire", line)
	return b.message(fmt.Sprintf("%s fired again", escapeLine(alarmName(alarm.Name))))
}

// ReportBelow replaces a placeholder whose report was posted after it
// (the workspace's edits were spent). It carries a block of its own:
// chat.update keeps a message's blocks when the edit sends none, so a
// text-only edit would leave the progress showing.
func ReportBelow() Message {
	var b builder
	b.context("report-below", "↓ The report is the next message in this thread.")
	return b.message("The report is the next message in this thread.")
}

// Resolved marks the alarm's thread resolved: the alarm went back to OK at.
func Resolved(alarm investigation.Alarm, at time.Time) Message {
	name := dataLine(alarmName(alarm.Name), 200)
	var b builder
	b.context("resolved", fmt.Sprintf("✅ *Resolved:* %s is back to OK since %s", name, slackDate(at, dateTime)))
	return b.message(fmt.Sprintf("✅ %s resolved", escapeLine(alarmName(alarm.Name))))
}

// Limits of an error message: a title and the gist of the cause, never a
// stack trace or a wall of text.
const (
	maxErrorTitle  = 150
	maxErrorDetail = 500
	maxErrorLines  = 3
)

// stackLine matches lines of Go panics and stack traces.
var stackLine = regexp.MustCompile(`^(goroutine \d+|panic:|\s)|\.go:\d+|^created by |^runtime/|^main\.`)

// Error renders a short error: what failed and why, in a few lines.
func Error(title, detail string) Message {
	if oneLine(title) == "" {
		title = "Something went wrong"
	}
	var kept []string
	for _, line := range strings.Split(clean(detail), "\n") {
		if stackLine.MatchString(line) || strings.TrimSpace(line) == "" {
			continue
		}
		kept = append(kept, strings.TrimSpace(line))
		if len(kept) == maxErrorLines {
			break
		}
	}
	text := "⚠️ *" + dataLine(title, maxErrorTitle) + "*"
	if d := dataText(strings.Join(kept, "\n"), maxErrorDetail); d != "" {
		text += "\n" + d
	}
	var b builder
	b.section("error", text)
	return b.message("⚠️ " + escapeLine(title))
}
