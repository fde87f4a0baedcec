package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/agent"
)

const textWidth = 100

// writeReportText renders a report for a terminal, in the words of the
// Slack report: one headline per cause, short names, each fact once. The
// full ARNs and the score breakdown are in --format json.
func writeReportText(w io.Writer, rep *investigation.Report) {
	a := rep.Alarm
	since := a.StateChangeTime.Format("2006-01-02 15:04:05 MST")
	if th := blocks.ThresholdText(a.Comparison, a.Threshold); th != "" {
		since += " · " + th
	}
	fmt.Fprintf(w, "%s — %s since %s\n", a.Name, a.State, since)
	var scope []string
	for _, r := range a.Resources {
		scope = append(scope, blocks.ShortName(r.ID))
	}
	if len(scope) == 0 {
		scope = []string{"(no resource scoped)"}
	}
	fmt.Fprintf(w, "  %s · %s · account %s · walked %s\n", strings.Join(scope, ", "), a.Region, rep.AccountLabel(a.Account), windowText(rep.Window))
	if a.Reason != "" {
		writeWrapped(w, a.Reason, "  ", "  ")
	}
	fmt.Fprintln(w)
	if len(rep.Candidates) == 0 {
		fmt.Fprintln(w, "No candidate cause in the trail.")
	}
	top := len(rep.Candidates) > 0 && rep.Candidates[0].Confidence != investigation.ConfidenceLow
	for _, c := range rep.Candidates {
		writeCauseText(w, rep, c)
	}
	if !top {
		writeWrapped(w, blocks.Readable(rep.Explanation.WhatChanged), "", "")
		if len(rep.BlindSpots) == 0 {
			writeWrapped(w, blocks.Readable(rep.Explanation.Why), "", "")
		}
	}
	if spots := relevantSpots(rep); len(spots) > 0 {
		fmt.Fprintln(w, "\nWhat the trail cannot show")
		for _, b := range spots {
			writeWrapped(w, blocks.Readable(fmt.Sprintf("%s: %s Look at %s.", b.Kind, b.Note, b.WhereToLook)), "  - ", "    ")
		}
	}
	if len(rep.Notes) > 0 {
		fmt.Fprintln(w, "\nNotes")
		for _, n := range rep.Notes {
			writeWrapped(w, blocks.Readable(n), "  - ", "    ")
		}
	}
	calls := 0
	for _, n := range rep.Stats.APICalls {
		calls += n
	}
	fmt.Fprintf(w, "\n%s, %s · %s", plural(calls, "API call", "API calls"), plural(rep.Stats.EventsScanned, "event scanned", "events scanned"),
		(time.Duration(rep.Stats.DurationMS) * time.Millisecond).String())
	if rep.Stats.Truncated {
		fmt.Fprint(w, " · walk truncated")
	}
	if rep.ArtifactID != "" {
		fmt.Fprintf(w, " · artifact %s", rep.ArtifactID)
	}
	fmt.Fprintln(w)
	if ai := rep.AI; ai.Used {
		fmt.Fprintf(w, "AI %s: %d input / %d output tokens, %s, %s dropped\n",
			ai.Model, ai.InputTokens, ai.OutputTokens, plural(ai.ToolCalls, "tool call", "tool calls"), plural(ai.DroppedClaims, "claim", "claims"))
	} else if ai.ReasonUnused != "" {
		fmt.Fprintf(w, "AI skipped: %s\n", ai.ReasonUnused)
	}
}

// writeCauseText writes one cause: its headline, what the report says
// beyond it, the next step and its events' links.
func writeCauseText(w io.Writer, rep *investigation.Report, c investigation.Candidate) {
	head := []string{fmt.Sprintf("#%d %s", c.Rank, blocks.Headline(c))}
	if lead := blocks.Lead(c.Events, rep.Alarm.StateChangeTime); lead != "" {
		head = append(head, lead)
	}
	if who := blocks.Who(c.Events); who != "" {
		head = append(head, who)
	}
	head = append(head, string(c.Confidence))
	writeWrapped(w, strings.Join(head, " · "), "", "    ")
	for i, cl := range c.Claims {
		if i == 0 && cl.Confidence == investigation.ConfidenceHigh && len(cl.EventIDs) == len(c.Events) {
			continue // the fact the headline states
		}
		text := blocks.Readable(cl.Text)
		if cl.Confidence != investigation.ConfidenceHigh {
			text += fmt.Sprintf(" (%s)", cl.Confidence)
		}
		writeWrapped(w, text, "    - ", "      ")
	}
	writeWrapped(w, blocks.ReadableStep(c.NextStep), "    next  ", "          ")
	for _, e := range c.Events {
		fmt.Fprintf(w, "    event %s %s %s\n", e.EventTime.Format("15:04:05"), blocks.APIName(e.EventName), e.Link)
		if e.Account != "" {
			fmt.Fprintf(w, "          in account %s: switch to it before opening the link\n", rep.AccountLabel(e.Account))
		}
	}
	fmt.Fprintln(w)
}

// relevantSpots drops the general blind spots under a certain cause, as the
// Slack report does.
func relevantSpots(rep *investigation.Report) []investigation.BlindSpot {
	if len(rep.Candidates) == 0 || rep.Candidates[0].Confidence != investigation.ConfidenceHigh {
		return rep.BlindSpots
	}
	var out []investigation.BlindSpot
	for _, s := range rep.BlindSpots {
		switch s.Kind {
		case investigation.BlindApplication, investigation.BlindNetwork, investigation.BlindRuntime:
		default:
			out = append(out, s)
		}
	}
	return out
}

// windowText is "12:59–13:59 UTC", with dates when the window spans days.
func windowText(win investigation.Window) string {
	s, e := win.Start.UTC(), win.End.UTC()
	if s.YearDay() != e.YearDay() || s.Year() != e.Year() {
		return s.Format("2006-01-02 15:04") + " – " + e.Format("2006-01-02 15:04 UTC")
	}
	return s.Format("15:04") + "–" + e.Format("15:04 UTC")
}

func plural(n int, one, many string) string { return investigation.Plural(n, one, many) }

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
