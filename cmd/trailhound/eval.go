package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/trailhound/trailhound/investigation/record"
	"github.com/trailhound/trailhound/investigation/scenario"
)

type evalOutput struct {
	Rows    []scenario.Result `json:"rows"`
	Summary scenario.Summary  `json:"summary"`
}

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", "trailhound eval --scenarios DIR [--format text|json]\n\nTriages every scenario under DIR and scores the answers against their expect.json.\nExits 1 if any scenario fails to run.", stdout, stderr)
	root := fs.String("scenarios", "", "folder holding scenario folders")
	format := fs.String("format", "text", "output format: text or json")
	mode := addModeFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := mode.validate("eval"); err != nil {
		return err
	}
	if *root == "" {
		return usageError("eval: --scenarios is required")
	}
	if *format != "text" && *format != "json" {
		return usageError("eval: --format must be text or json, not %q", *format)
	}
	dirs, err := scenario.List(*root)
	if err != nil {
		return err
	}
	if len(dirs) == 0 {
		return fmt.Errorf("eval: no scenario (folder with scenario.json) under %s", *root)
	}
	var out evalOutput
	for _, dir := range dirs {
		if err := ctx.Err(); err != nil {
			return err
		}
		out.Rows = append(out.Rows, evalOne(ctx, mode, dir, *root))
	}
	out.Summary = scenario.Summarize(out.Rows, len(dirs))
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		writeEvalText(stdout, out)
	}
	if out.Summary.Errors > 0 {
		return fmt.Errorf("eval: %d scenario(s) failed to run", out.Summary.Errors)
	}
	return nil
}

func evalOne(ctx context.Context, mode *modeFlags, dir, root string) scenario.Result {
	name, _ := filepath.Rel(root, dir)
	row := scenario.Result{Scenario: name}
	fail := func(err error) scenario.Result {
		row.Error = err.Error()
		return row
	}
	sc, err := scenario.Load(dir)
	if err != nil {
		return fail(err)
	}
	row.Title = sc.Meta.Title
	if sc.Expect == nil {
		return fail(errors.New("no expect.json"))
	}
	rep, err := mode.triage(ctx, sc)
	if err != nil {
		return fail(err)
	}
	// The triage's own time, from the alarm to the report, as the floor is
	// the triage's: starting the scenario's sandbox and closing it (which
	// waits for idle connections) are the harness's.
	row.DurationMS = rep.Stats.DurationMS
	ids, err := trailEventIDs(sc.TrailIn)
	if err != nil {
		return fail(err)
	}
	row.Grade = scenario.GradeReport(*sc.Expect, rep, ids)
	row.Lookups = rep.Stats.APICalls["cloudtrail:LookupEvents"]
	row.Resources = rep.Stats.ResourcesWalked
	row.Throttled = rep.Stats.Throttled
	if !*mode.offline {
		row.FloorMS = scenario.LookupEventsFloorByKey(mode.lookupCalls, *mode.latency).Milliseconds()
	}
	if len(rep.Candidates) > 0 {
		row.Rank1 = rep.Candidates[0].Summary
		row.Confidence = string(rep.Candidates[0].Confidence)
	}
	if len(rep.BlindSpots) > 0 {
		row.BlindSpot = string(rep.BlindSpots[0].Kind)
	}
	return row
}

func trailEventIDs(dir string) (map[string]bool, error) {
	events, _, err := record.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	ids := make(map[string]bool, len(events))
	for _, e := range events {
		ids[e.ID] = true
	}
	return ids, nil
}

func writeEvalText(w io.Writer, out evalOutput) {
	fmt.Fprintf(w, "%-44s %-5s %-5s %-6s %-5s %-7s %s\n", "scenario", "top1", "top3", "blind", "high✗", "lookups", "rank 1 (or blind spot)")
	for _, r := range out.Rows {
		if r.Error != "" {
			fmt.Fprintf(w, "%-44s ERROR %s\n", oneLine(r.Scenario, 44), r.Error)
			continue
		}
		g := r.Grade
		top1, top3, blind := "-", "-", "-"
		if g.HasCause {
			top1, top3 = mark(g.Top1), mark(g.Top3)
		} else {
			blind = mark(g.Honest)
		}
		what := r.Rank1
		if r.Confidence != "" {
			what = "[" + r.Confidence + "] " + what
		}
		if !g.HasCause || what == "" {
			what = "blind spot: " + r.BlindSpot + "  " + what
		}
		fmt.Fprintf(w, "%-44s %-5s %-5s %-6s %-5d %-7d %s\n", oneLine(r.Scenario, 44), top1, top3, blind, g.FalseHigh, r.Lookups, oneLine(what, 90))
	}
	s := out.Summary
	fmt.Fprintf(w, "\n%d scenarios, %d errors\n", s.Scenarios, s.Errors)
	fmt.Fprintf(w, "top-1 %.1f%%  top-3 %.1f%%  category %.1f%%  (%d cause scenarios)\n", s.Top1, s.Top3, s.Category, s.CauseScenarios)
	fmt.Fprintf(w, "blind spots honest %d/%d  false-high %d  fabricated %d\n", s.BlindHonest, s.BlindScenarios, s.FalseHigh, s.Fabricated)
	fmt.Fprintf(w, "next step names the previous value: %d/%d\n", s.NextStep, s.NextStepScenarios)
	fmt.Fprintf(w, "coverage gaps stated, nothing high: %d/%d\n", s.CoverageHonest, s.CoverageScenarios)
	fmt.Fprintf(w, "LookupEvents per triage %.2f (minimum for the scope %.2f)  duration p50 %d ms  p95 %d ms\n",
		s.LookupsPerRun, s.MinimumPerRun, s.DurationP50MS, s.DurationP95MS)
	if s.OverFloorP50 > 0 {
		fmt.Fprintf(w, "duration over the LookupEvents floor p50 %.2f×  p95 %.2f×  throttled %d\n", s.OverFloorP50, s.OverFloorP95, s.Throttled)
	}
}

func mark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}
