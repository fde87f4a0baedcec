package blocks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/slack-go/slack"
	"github.com/trailhound/trailhound/investigation"
)

// ChangeOptions are the pre-formatted parts of a change table.
type ChangeOptions struct {
	// Subject is what the question was about: a resource, an alarm or a service.
	Subject string
	// WindowLabel is the window in the asker's zone, e.g. "13:00–14:00";
	// empty renders the window in UTC.
	WindowLabel string
	// Query is the asker's command, quoted above the table.
	Query string
	// MaxRows caps the rows shown; 0 means DefaultChangeRows.
	MaxRows int
}

// DefaultChangeRows is how many changes a table lists before it summarises
// the rest; each row is one block, so it also keeps room under MaxBlocks.
const DefaultChangeRows = 40

// ChangeTable lists changes, newest first: one row per event with its time,
// event, service, actor, resource and failure, and a button to its console
// page. The window is stated in the asker's zone (WindowLabel and tzLabel);
// each row's time is shown in the reader's own zone.
func ChangeTable(changes []investigation.Event, window investigation.Window, tzLabel string, opts ChangeOptions) Message {
	rows := opts.MaxRows
	if rows <= 0 || rows > DefaultChangeRows {
		rows = DefaultChangeRows
	}
	sorted := append([]investigation.Event(nil), changes...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Time.After(sorted[j].Time) })

	// Fewer rows until it fits: a table of long rows can reach the text or
	// payload budget before the block limit.
	for ; rows > 0; rows /= 2 {
		m := changeTable(sorted, window, tzLabel, opts, rows)
		if Validate(m) == nil {
			return m
		}
	}
	return changeTable(sorted, window, tzLabel, opts, 0)
}

func changeTable(changes []investigation.Event, window investigation.Window, tzLabel string, opts ChangeOptions, rows int) Message {
	subject := oneLine(opts.Subject)
	if subject == "" {
		subject = "the resources asked about"
	}
	label, zone := oneLine(opts.WindowLabel), oneLine(tzLabel)
	if label == "" {
		label = window.Start.UTC().Format("15:04") + "–" + window.End.UTC().Format("15:04")
		zone = "UTC"
	}
	var b builder
	head := fmt.Sprintf("*Changes on %s* · %s %s", dataLine(subject, 200), dataLine(label, 80), dataLine(zone, 60))
	if q := dataLine(opts.Query, 300); q != "" {
		head += "\n_Asked:_ " + q
	}
	b.section("changes-head", head)

	failed := 0
	for _, e := range changes {
		if e.Failed() {
			failed++
		}
	}
	summary := plural(len(changes), "change", "changes") + ", newest first"
	if failed > 0 {
		summary += fmt.Sprintf(" · %d failed (refused calls, not changes that happened)", failed)
	}
	if !window.Start.IsZero() && !window.End.IsZero() {
		summary += fmt.Sprintf(" · in your time zone %s – %s", slackDate(window.Start, dateTime), slackDate(window.End, timeOnly))
	}
	b.context("changes-summary", summary)

	if len(changes) == 0 {
		b.section("changes-none", "No mutating change was recorded in this window.")
	}
	for i, e := range changes {
		if i == rows {
			break
		}
		b.sectionButton(fmt.Sprintf("change-%d", i+1), changeRow(e), changeButton(i+1, e))
	}
	if n := len(changes) - rows; n > 0 && rows < len(changes) {
		b.context("changes-more", fmt.Sprintf("and %s not shown (older): narrow the window or ask about one resource.", plural(n, "more change", "more changes")))
	}
	return b.message(fmt.Sprintf("%s on %s, %s %s", plural(len(changes), "change", "changes"),
		escapeLine(subject), escapeLine(label), escapeLine(zone)))
}

func changeRow(e investigation.Event) string {
	name := dataLine(APIName(e.Name), 120)
	if name == "" {
		name = "(unnamed call)"
	}
	parts := []string{slackDate(e.Time, dateTimeSecs), "*" + name + "*"}
	if src := dataLine(strings.TrimSuffix(e.Source, ".amazonaws.com"), 60); src != "" {
		parts = append(parts, src)
	}
	if actor := dataLine(ShortActor(e.Actor.Name), 200); actor != "" {
		parts = append(parts, "by "+actor)
	}
	if len(e.Resources) > 0 {
		res := "on " + dataLine(ShortName(e.Resources[0].Name), 200)
		if len(e.Resources) > 1 {
			res += fmt.Sprintf(" +%d", len(e.Resources)-1)
		}
		parts = append(parts, res)
	}
	row := strings.Join(parts, " · ")
	if e.Failed() {
		row += " · ⚠️ failed: " + dataLine(e.ErrorCode, 80)
	}
	return row
}

// changeButton links a row to its console page. Events carry no link, so it
// is made by investigation.EventLink and then held to the same check as a
// report's links: a region or id that does not fit the console's form gets
// no button.
func changeButton(row int, e investigation.Event) *slack.ButtonBlockElement {
	ref := investigation.EventRef{EventID: e.ID, Region: e.Region, Link: investigation.EventLink(e.Region, e.ID)}
	link, _, ok := ConsoleLink(ref)
	if !ok {
		return nil
	}
	return urlButton(actionID(ActionOpenEvent, 0, row), "Open ↗", link)
}
