package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/agent"
)

const textWidth = 100

// writeReportText renders a report for a terminal.
func writeReportText(w io.Writer, rep *investigation.Report) {
	a := rep.Alarm
	fmt.Fprintf(w, "%s — %s since %s\n", a.Name, a.State, a.StateChangeTime.Format("2006-01-02 15:04:05 MST"))
	fmt.Fprintf(w, "  alarm   %s (account %s, %s)\n", a.ARN, rep.AccountLabel(a.Account), a.Region)
	if a.Reason != "" {
		fmt.Fprintf(w, "  reason  %s\n", oneLine(a.Reason, textWidth))
	}
	var scope []string
	for _, r := range a.Resources {
		scope = append(scope, r.Type+" "+r.ID)
	}
	if len(scope) == 0 {
		scope = []string{"(no resource scoped)"}
	}
	fmt.Fprintf(w, "  scope   %s\n", strings.Join(scope, ", "))
	fmt.Fprintf(w, "  window  %s – %s\n\n", rep.Window.Start.Format("15:04"), rep.Window.End.Format("15:04 MST"))

	if len(rep.Candidates) == 0 {
		fmt.Fprintln(w, "No candidate cause in the trail.")
	}
	for _, c := range rep.Candidates {
		fmt.Fprintf(w, "#%d  %s  %.2f  %s · layer %d\n", c.Rank, strings.ToUpper(string(c.Confidence)), c.Score, c.Category, c.Layer)
		fmt.Fprintf(w, "    %s\n", c.Summary)
		for _, cl := range c.Claims {
			writeWrapped(w, fmt.Sprintf("[%s] %s", cl.Confidence, cl.Text), "    - ", "      ")
		}
		b := c.Breakdown
		fmt.Fprintf(w, "    score   kind %.3f + time %.3f + layer %.3f + corroboration %.3f + actor %.3f\n",
			b.Kind, b.Time, b.Layer, b.Corroboration, b.Actor)
		writeWrapped(w, c.NextStep, "    next    ", "            ")
		for _, e := range c.Events {
			fmt.Fprintf(w, "    event   %s %s by %s\n            %s\n", e.EventTime.Format("15:04:05"), e.EventName, e.Actor, e.Link)
			if e.Account != "" {
				fmt.Fprintf(w, "            in account %s: switch to it before opening the link\n", rep.AccountLabel(e.Account))
			}
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "What changed")
	writeWrapped(w, rep.Explanation.WhatChanged, "  ", "  ")
	fmt.Fprintln(w, "Why")
	writeWrapped(w, rep.Explanation.Why, "  ", "  ")
	if len(rep.BlindSpots) > 0 {
		fmt.Fprintln(w, "\nWhat the trail cannot show")
		for _, b := range rep.BlindSpots {
			writeWrapped(w, fmt.Sprintf("%s: %s Look at %s.", b.Kind, b.Note, b.WhereToLook), "  - ", "    ")
		}
	}
	if len(rep.Notes) > 0 {
		fmt.Fprintln(w, "\nNotes")
		for _, n := range rep.Notes {
			writeWrapped(w, n, "  - ", "    ")
		}
	}
	fmt.Fprintf(w, "\n%s · %d events scanned · %s", apiCallsText(rep.Stats.APICalls), rep.Stats.EventsScanned,
		(time.Duration(rep.Stats.DurationMS) * time.Millisecond).String())
	if rep.Stats.Truncated {
		fmt.Fprint(w, " · walk truncated")
	}
	if rep.ArtifactID != "" {
		fmt.Fprintf(w, " · artifact %s", rep.ArtifactID)
	}
	fmt.Fprintln(w)
	if ai := rep.AI; ai.Used {
		fmt.Fprintf(w, "AI %s: %d input / %d output tokens, %d tool call(s), %d claim(s) dropped\n",
			ai.Model, ai.InputTokens, ai.OutputTokens, ai.ToolCalls, ai.DroppedClaims)
	} else if ai.ReasonUnused != "" {
		fmt.Fprintf(w, "AI skipped: %s\n", ai.ReasonUnused)
	}
}

// writeAssessmentText renders the AI's assessment next to the deterministic
// ranking, which it never replaces.
func writeAssessmentText(w io.Writer, a *agent.Assessment, rep *investigation.Report) {
	fmt.Fprintln(w, "\nAI assessment (the ranking above is the engine's; this is the model's, from cited evidence)")
	for i, r := range a.Ranking {
		writeWrapped(w, fmt.Sprintf("%d. %.0f%% %s [%s]", i+1, r.Plausibility*100, r.Reason, strings.Join(r.EventIDs, ", ")), "  ", "     ")
	}
	if len(a.CandidateOrder) > 0 {
		var order []string
		for _, rank := range a.CandidateOrder {
			order = append(order, fmt.Sprintf("#%d", rank))
		}
		fmt.Fprintf(w, "  AI order of the engine's candidates: %s\n", strings.Join(order, ", "))
	}
	for _, m := range a.MissingEvidence {
		writeWrapped(w, "missing: "+m, "  - ", "    ")
	}
	for _, n := range a.NextActions {
		writeWrapped(w, fmt.Sprintf("next: %s (%s)", n.Action, n.Why), "  - ", "    ")
	}
	if a.Partial != "" {
		fmt.Fprintf(w, "  partial: the %s budget ran out\n", a.Partial)
	}
}

func apiCallsText(calls map[string]int) string {
	if len(calls) == 0 {
		return "0 API calls"
	}
	ops := make([]string, 0, len(calls))
	for op := range calls {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	parts := make([]string, 0, len(ops))
	for _, op := range ops {
		parts = append(parts, fmt.Sprintf("%d %s", calls[op], op))
	}
	return strings.Join(parts, ", ")
}

// oneLine collapses whitespace and shortens s to n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// writeWrapped writes text wrapped at textWidth with a first-line and a continuation prefix.
func writeWrapped(w io.Writer, text, first, rest string) {
	prefix := first
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(prefix)+len(line)+1+len(word) > textWidth {
			fmt.Fprintln(w, prefix+line)
			prefix, line = rest, ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		fmt.Fprintln(w, prefix+line)
	}
}
