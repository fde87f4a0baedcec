package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/intake"
	"github.com/trailhound/trailhound/sandbox"
	"github.com/trailhound/trailhound/tools"
)

func runTriage(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("triage", "trailhound triage --scenario DIR [--format text|json]\n\nRanks the CloudTrail changes most likely to have caused the scenario's alarm.", stderr)
	dir := fs.String("scenario", "", "scenario folder (scenario.json, alarm.json, trail/, …)")
	format := fs.String("format", "text", "output format: text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return usageError("triage: --scenario is required")
	}
	if *format != "text" && *format != "json" {
		return usageError("triage: --format must be text or json, not %q", *format)
	}
	sc, err := sandbox.LoadScenario(*dir)
	if err != nil {
		return err
	}
	rep, err := triageScenario(ctx, sc)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	writeReportText(stdout, rep)
	return nil
}

// triageScenario runs the engine on a scenario's own data, in process.
func triageScenario(ctx context.Context, sc *sandbox.Scenario) (*investigation.Report, error) {
	alarm, err := intake.Parse(sc.Alarm)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: alarm: %w", sc.Dir, err)
	}
	trail, err := tools.OpenFileTrail(sc.TrailIn)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.Dir, err)
	}
	alarms, err := sc.AlarmsSource()
	if err != nil {
		return nil, err
	}
	eng := &investigation.Engine{
		Trail:    trail,
		Topology: sc.TopologySource(),
		Logs:     sc.LogsSource(),
		IAM:      sc.IAMSource(),
		Alarms:   alarms,
		Now:      func() time.Time { return sc.Meta.Now },
	}
	rep, err := eng.Triage(ctx, alarm)
	if err != nil {
		return nil, err
	}
	for _, r := range trail.Rejected() {
		rep.Notes = append(rep.Notes, fmt.Sprintf("trail file %s rejected: %s", r.File, r.Reason))
	}
	return rep, nil
}
