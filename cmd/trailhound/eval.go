package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"time"

	"github.com/trailhound/trailhound/investigation/record"
	"github.com/trailhound/trailhound/sandbox"
)

// evalRow is one scenario's outcome.
type evalRow struct {
	Scenario   string        `json:"scenario"`
	Title      string        `json:"title"`
	Grade      sandbox.Grade `json:"grade"`
	Rank1      string        `json:"rank1,omitempty"`
	Confidence string        `json:"confidence,omitempty"`
	BlindSpot  string        `json:"blind_spot,omitempty"`
	Lookups    int           `json:"lookups"`
	Resources  int           `json:"resources_walked"`
	DurationMS int64         `json:"duration_ms"`
	Error      string        `json:"error,omitempty"`
}

// evalSummary is the corpus score (DESIGN §5).
type evalSummary struct {
	Scenarios       int     `json:"scenarios"`
	Errors          int     `json:"errors"`
	CauseScenarios  int     `json:"cause_scenarios"`
	Top1            float64 `json:"top1"`
	Top3            float64 `json:"top3"`
	Category        float64 `json:"category"`
	BlindScenarios  int     `json:"blind_spot_scenarios"`
	BlindHonest     int     `json:"blind_spot_honest"`
	FalseHigh       int     `json:"false_high"`
	Fabricated      int     `json:"fabricated"`
	LookupsPerRun   float64 `json:"lookups_per_triage"`
	MinimumPerRun   float64 `json:"lookups_minimum_per_triage"`
	DurationP50MS   int64   `json:"duration_p50_ms"`
	DurationP95MS   int64   `json:"duration_p95_ms"`
	MissingExpected int     `json:"missing_expect"`
}

type evalOutput struct {
	Rows    []evalRow   `json:"rows"`
	Summary evalSummary `json:"summary"`
}

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", "trailhound eval --scenarios DIR [--format text|json]\n\nTriages every scenario under DIR and scores the answers against their expect.json.\nExits 1 if any scenario fails to run.", stderr)
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
	dirs, err := sandbox.ListScenarios(*root)
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
	out.Summary = summarize(out.Rows, dirs)
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

func evalOne(ctx context.Context, mode *modeFlags, dir, root string) evalRow {
	name, _ := filepath.Rel(root, dir)
	row := evalRow{Scenario: name}
	fail := func(err error) evalRow {
		row.Error = err.Error()
		return row
	}
	sc, err := sandbox.LoadScenario(dir)
	if err != nil {
		return fail(err)
	}
	row.Title = sc.Meta.Title
	if sc.Expect == nil {
		return fail(errors.New("no expect.json"))
	}
	started := time.Now()
	rep, err := mode.triage(ctx, sc)
	if err != nil {
		return fail(err)
	}
	row.DurationMS = time.Since(started).Milliseconds()
	ids, err := trailEventIDs(sc.TrailIn)
	if err != nil {
		return fail(err)
	}
	row.Grade = sandbox.GradeReport(*sc.Expect, rep, ids)
	row.Lookups = rep.Stats.APICalls["cloudtrail:LookupEvents"]
	row.Resources = rep.Stats.ResourcesWalked
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

func summarize(rows []evalRow, dirs []string) evalSummary {
	s := evalSummary{Scenarios: len(dirs)}
	var top1, top3, cat, lookups, minimum int
	var durations []int64
	for _, r := range rows {
		if r.Error != "" {
			s.Errors++
			continue
		}
		durations = append(durations, r.DurationMS)
		lookups += r.Lookups
		minimum += r.Resources
		g := r.Grade
		s.FalseHigh += g.FalseHigh
		s.Fabricated += g.Fabricated
		if g.HasCause {
			s.CauseScenarios++
			if g.Top1 {
				top1++
			}
			if g.Top3 {
				top3++
			}
			if g.Top1 && g.Category {
				cat++
			}
		} else {
			s.BlindScenarios++
			if g.Honest {
				s.BlindHonest++
			}
		}
	}
	if s.CauseScenarios > 0 {
		s.Top1 = pct(top1, s.CauseScenarios)
		s.Top3 = pct(top3, s.CauseScenarios)
		s.Category = pct(cat, s.CauseScenarios)
	}
	if n := len(durations); n > 0 {
		sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
		s.DurationP50MS = durations[(n-1)/2]
		s.DurationP95MS = durations[(n*95+99)/100-1]
		s.LookupsPerRun = float64(lookups) / float64(n)
		s.MinimumPerRun = float64(minimum) / float64(n)
	}
	return s
}

func pct(n, of int) float64 { return float64(int(float64(n)/float64(of)*1000+0.5)) / 10 }

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
	fmt.Fprintf(w, "LookupEvents per triage %.2f (minimum for the scope %.2f)  duration p50 %d ms  p95 %d ms\n",
		s.LookupsPerRun, s.MinimumPerRun, s.DurationP50MS, s.DurationP95MS)
}

func mark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}
