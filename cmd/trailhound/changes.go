package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/record"
	"github.com/trailhound/trailhound/investigation/scenario"
)

// changeJSON is one change of `changes --format json`.
type changeJSON struct {
	EventID     string        `json:"event_id"`
	EventName   string        `json:"event_name"`
	EventSource string        `json:"event_source"`
	EventTime   time.Time     `json:"event_time"`
	Actor       string        `json:"actor"`
	Region      string        `json:"region"`
	Resources   []resourceRef `json:"resources"`
	Failed      bool          `json:"failed"`
	ErrorCode   string        `json:"error_code,omitempty"`
	Link        string        `json:"link"`
}

type resourceRef struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type changesJSON struct {
	Window   investigation.Window `json:"window"`
	Changes  []changeJSON         `json:"changes"`
	Rejected []record.Rejected    `json:"rejected"`
}

const defaultChangesWindow = time.Hour

func runChanges(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("changes", `trailhound changes (--trail DIR | --scenario DIR) [--resource NAME] [--before TIME] [--window DURATION] [--format text|json]

Lists the mutating CloudTrail calls (failed ones flagged) in the window before TIME, newest first.
TIME is RFC 3339 (2026-03-19T14:00:00Z), "2026-03-19 14:00" or "14:00" (UTC, on the current day).
Without --before it means now (the scenario's "now" with --scenario): old trails need an explicit --before.`, stderr)
	trailDir := fs.String("trail", "", "folder of CloudTrail files (.json, .json.gz, any depth)")
	scenarioDir := fs.String("scenario", "", "scenario folder (uses its trail/ and its clock)")
	resource := fs.String("resource", "", "only changes naming this resource (name, id or ARN)")
	before := fs.String("before", "", "end of the window (default: now)")
	window := fs.Duration("window", defaultChangesWindow, "length of the window")
	format := fs.String("format", "text", "output format: text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if (*trailDir == "") == (*scenarioDir == "") {
		return usageError("changes: give exactly one of --trail or --scenario")
	}
	if *window <= 0 {
		return usageError("changes: --window must be positive")
	}
	if *format != "text" && *format != "json" {
		return usageError("changes: --format must be text or json, not %q", *format)
	}
	now := time.Now().UTC()
	dir := *trailDir
	if *scenarioDir != "" {
		sc, err := scenario.Load(*scenarioDir)
		if err != nil {
			return err
		}
		dir, now = sc.TrailIn, sc.Meta.Now
	}
	end := now
	if *before != "" {
		t, err := parseBefore(*before, now)
		if err != nil {
			return usageError("changes: --before: %v", err)
		}
		end = t
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	events, rejected, err := record.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("changes: %w", err)
	}
	out := changesJSON{
		Window:   investigation.Window{Start: end.Add(-*window), End: end},
		Changes:  []changeJSON{},
		Rejected: rejected,
	}
	if out.Rejected == nil {
		out.Rejected = []record.Rejected{}
	}
	for _, e := range events {
		if e.ReadOnly || e.Time.Before(out.Window.Start) || e.Time.After(end) {
			continue
		}
		if *resource != "" && !namesResource(e, *resource) {
			continue
		}
		c := changeJSON{
			EventID: e.ID, EventName: e.Name, EventSource: e.Source, EventTime: e.Time.UTC(),
			Actor: e.Actor.Name, Region: e.Region, Failed: e.Failed(), ErrorCode: e.ErrorCode,
			Link: investigation.EventLink(e.Region, e.ID), Resources: []resourceRef{},
		}
		for _, r := range e.Resources {
			c.Resources = append(c.Resources, resourceRef{Type: r.Type, ID: r.Name})
		}
		out.Changes = append(out.Changes, c)
	}
	sort.SliceStable(out.Changes, func(i, j int) bool {
		if !out.Changes[i].EventTime.Equal(out.Changes[j].EventTime) {
			return out.Changes[i].EventTime.After(out.Changes[j].EventTime)
		}
		return out.Changes[i].EventID < out.Changes[j].EventID
	})
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	writeChangesText(stdout, out, *resource)
	return nil
}

// namesResource reports whether the event names the resource, by exact name,
// id or ARN, or as the last part of an ARN.
func namesResource(e investigation.Event, want string) bool {
	for _, r := range e.Resources {
		if r.Name == want || strings.HasSuffix(r.Name, "/"+want) || strings.HasSuffix(r.Name, ":"+want) {
			return true
		}
	}
	return false
}

// parseBefore reads the end of a window relative to now (UTC).
func parseBefore(s string, now time.Time) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if t, err := time.Parse("15:04", s); err == nil {
		day := now.UTC().Truncate(24 * time.Hour)
		at := day.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute)
		if at.After(now) {
			return time.Time{}, fmt.Errorf("%s UTC is later than now (%s); give a date, e.g. %s", s, now.UTC().Format("2006-01-02 15:04"), at.Add(-24*time.Hour).Format("2006-01-02 15:04"))
		}
		return at, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use 2026-03-19T14:00:00Z, \"2026-03-19 14:00\" or 14:00", s)
}

func writeChangesText(w io.Writer, out changesJSON, resource string) {
	what := "all resources"
	if resource != "" {
		what = resource
	}
	fmt.Fprintf(w, "Changes on %s, %s – %s (newest first)\n\n", what,
		out.Window.Start.Format("2006-01-02 15:04"), out.Window.End.Format("15:04 MST"))
	if len(out.Changes) == 0 {
		fmt.Fprintln(w, "No mutating call in the window.")
	}
	for _, c := range out.Changes {
		var res []string
		for _, r := range c.Resources {
			res = append(res, r.ID)
		}
		status := ""
		if c.Failed {
			status = "  FAILED " + c.ErrorCode
		}
		fmt.Fprintf(w, "%s  %-40s %-28s %s%s\n    %s\n", c.EventTime.Format("15:04:05"),
			strings.TrimSuffix(c.EventSource, ".amazonaws.com")+":"+c.EventName, oneLine(c.Actor, 28),
			oneLine(strings.Join(res, ", "), 60), status, c.Link)
	}
	for _, r := range out.Rejected {
		fmt.Fprintf(w, "rejected %s: %s\n", r.File, r.Reason)
	}
}
