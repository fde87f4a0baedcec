package blocks

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// aiBlockPrefix starts the block_id of every block the AI part adds, so the
// deterministic part of a report can be told apart (and compared) with AI on
// or off.
const aiBlockPrefix = "ai-"

// aiAssessment renders the model's assessment under the causes.
func (r *reportRenderer) aiAssessment() {
	a := r.opts.AI
	if a == nil || oneLine(a.Skipped) != "" {
		return
	}
	r.b.divider(aiBlockPrefix + "div")
	title := "*🤖 AI assessment*"
	if m := dataLine(a.Model, 100); m != "" {
		title += " (" + m + ")"
	}
	lines := []string{title}
	var order []string
	for i, rk := range a.Ranking {
		pos, c := r.causeCiting(rk.EventIDs)
		label := "other evidence"
		if c != nil {
			label = fmt.Sprintf("#%d", c.Rank)
			if !slices.Contains(order, label) {
				order = append(order, label)
			}
		}
		if i >= r.d.aiItems {
			continue
		}
		line := fmt.Sprintf("%d. %s — plausibility %s", i+1, label, percent(rk.Plausibility))
		if reason := dataLine(rk.Reason, r.d.aiText); reason != "" {
			line += ": " + reason
		}
		if pos == 0 {
			line += r.citations(rk.EventIDs)
		}
		lines = append(lines, line)
	}
	if n := len(a.Ranking) - r.d.aiItems; n > 0 {
		lines = append(lines, fmt.Sprintf("_and %d more_", n))
	}
	if len(order) > 0 {
		lines = append(lines, "AI order: "+strings.Join(order, ", ")+" · the ranking above is the engine's and stands")
	}
	if len(lines) > 1 {
		r.b.section(aiBlockPrefix+"ranking", strings.Join(lines, "\n"))
	}

	var reading []string
	if t := dataText(a.Explanation.WhatChanged, r.d.paragraph/2); t != "" {
		reading = append(reading, t)
	}
	if t := dataText(a.Explanation.Why, r.d.paragraph/2); t != "" {
		reading = append(reading, t)
	}
	if len(reading) > 0 {
		r.b.section(aiBlockPrefix+"reading", "*AI's reading*\n"+strings.Join(reading, "\n"))
	}

	r.aiList(aiBlockPrefix+"missing", "*Missing evidence*", a.MissingEvidence, func(s string) string {
		return dataLine(s, r.d.aiText)
	})
	var actions []string
	for _, act := range a.NextActions {
		s := dataLine(act.Action, r.d.aiText)
		if s == "" {
			continue
		}
		if why := dataLine(act.Why, r.d.aiText); why != "" {
			s += " — " + why
		}
		actions = append(actions, s+r.citations(act.EventIDs))
	}
	r.aiList(aiBlockPrefix+"next", "*Suggested next actions*", actions, func(s string) string { return s })
}

// aiFooter is the footer's second line: what the AI cost, or why it did not
// take part. Without an assessment it says what the report itself records.
func (r *reportRenderer) aiFooter() {
	if a := r.opts.AI; a != nil {
		if oneLine(a.Skipped) != "" {
			r.b.context(aiBlockPrefix+"skipped", "🤖 AI skipped: "+dataLine(a.Skipped, 300))
			return
		}
		r.b.context(aiBlockPrefix+"usage", aiUsage(a.Model, a.InputTokens, a.OutputTokens, a.ToolCalls, a.DroppedClaims, a.CostUSD))
		return
	}
	st := r.rep.AI
	switch {
	case st.Used:
		r.b.context(aiBlockPrefix+"usage", aiUsage(st.Model, st.InputTokens, st.OutputTokens, st.ToolCalls, st.DroppedClaims, 0))
	case oneLine(st.ReasonUnused) != "":
		r.b.context(aiBlockPrefix+"skipped", "🤖 AI skipped: "+dataLine(st.ReasonUnused, 300))
	}
}

func (r *reportRenderer) aiList(id, title string, items []string, render func(string) string) {
	lines := []string{title}
	for _, it := range items {
		s := render(it)
		if s == "" {
			continue
		}
		if len(lines) > r.d.aiItems {
			lines = append(lines, "_and more_")
			break
		}
		lines = append(lines, "• "+s)
	}
	if len(lines) > 1 {
		r.b.section(id, strings.Join(lines, "\n"))
	}
}

func aiUsage(model string, in, out, tools, dropped int, cost float64) string {
	s := "🤖 AI"
	if m := dataLine(model, 100); m != "" {
		s += " " + m
	}
	s += fmt.Sprintf(": %s input / %s output tokens · %s", thousands(in), thousands(out), plural(tools, "tool call", "tool calls"))
	if dropped > 0 {
		s += " · " + plural(dropped, "uncited claim dropped", "uncited claims dropped")
	}
	if cost > 0 && !math.IsInf(cost, 0) {
		s += fmt.Sprintf(" · ≈ $%.2f", cost)
	}
	return s
}

func percent(p float64) string {
	if math.IsNaN(p) {
		return "unknown"
	}
	p = math.Max(0, math.Min(1, p))
	return fmt.Sprintf("%.0f%%", p*100)
}

// causeCiting finds the shown cause whose events the ids cite; pos is 0
// when none does.
func (r *reportRenderer) causeCiting(ids []string) (pos int, c *investigation.Candidate) {
	for i := range r.rep.Candidates {
		if i == MaxCauses {
			break
		}
		cand := &r.rep.Candidates[i]
		for _, e := range cand.Events {
			for _, id := range ids {
				if id != "" && id == e.EventID {
					return i + 1, cand
				}
			}
		}
	}
	return 0, nil
}

// citations renders cited event ids: a console link when the report holds
// the event with a checked link, the bare id otherwise.
func (r *reportRenderer) citations(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	var parts []string
	for i, id := range ids {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("+%d", len(ids)-3))
			break
		}
		parts = append(parts, r.citation(id))
	}
	return " (evidence: " + strings.Join(parts, ", ") + ")"
}

func (r *reportRenderer) citation(id string) string {
	for _, c := range r.rep.Candidates {
		for _, e := range c.Events {
			if e.EventID == id {
				return eventMention(e)
			}
		}
	}
	return dataLine(id, 80)
}

// eventMention is a mrkdwn link to the event's console page, labelled with
// its name, or the name and id as text when the link does not check out.
func eventMention(e investigation.EventRef) string {
	name := APIName(e.EventName)
	if name == "" {
		name = "event"
	}
	if link, _, ok := ConsoleLink(e); ok {
		// The label may not hold '|' or '>'; escaping takes care of '>'.
		return "<" + link + "|" + clipMrkdwn(Escape(strings.ReplaceAll(name, "|", "/")), 80) + ">"
	}
	return dataLine(name, 80) + " " + dataLine(e.EventID, 80)
}
