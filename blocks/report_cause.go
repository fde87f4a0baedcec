package blocks

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/trailhound/trailhound/investigation"
)

// A cause of the report: its title and facts, its claims, the next step,
// the score, and the buttons of its events.

var confidenceMark = map[investigation.Confidence]string{
	investigation.ConfidenceHigh:   "●●●",
	investigation.ConfidenceMedium: "●●○",
	investigation.ConfidenceLow:    "●○○",
}

func confidenceText(c investigation.Confidence) string {
	if m, ok := confidenceMark[c]; ok {
		return m + " " + string(c)
	}
	return dataLine(string(c), 20)
}

func layerText(layer int) string {
	switch layer {
	case 1:
		return "layer 1 · the alarm's own resource"
	case 2:
		return "layer 2 · a dependency"
	default:
		return fmt.Sprintf("layer %d", layer)
	}
}

func (r *reportRenderer) cause(pos int, c investigation.Candidate) {
	id := func(part string) string { return fmt.Sprintf("cause-%d-%s", pos, part) }
	title := fmt.Sprintf("*#%d · %s confidence · %s · %s*", c.Rank, confidenceText(c.Confidence),
		dataLine(strings.ReplaceAll(string(c.Category), "_", " "), 40), layerText(c.Layer))
	if s := dataText(c.Summary, r.d.summary); s != "" {
		title += "\n" + s
	}
	r.b.sectionFields(id("summary"), title, []string{
		"*When*\n" + r.when(c.Events),
		"*Who*\n" + actors(c.Events),
		"*Resource*\n" + dataLine(strings.TrimSpace(shortType(c.Resource.Type)+" "+c.Resource.ID), 300),
		fmt.Sprintf("*Score*\n%.2f", c.Score),
	})
	r.claims(id("claims"), c.Claims)
	if s := dataText(c.NextStep, r.d.nextStep); s != "" {
		r.b.section(id("next"), "*Next step:* "+s)
	}
	b := c.Breakdown
	r.b.context(id("score"), fmt.Sprintf("Score %.2f = time %.2f + layer %.2f + kind %.2f + corroboration %.2f + actor %.2f",
		c.Score, b.Time, b.Layer, b.Kind, b.Corroboration, b.Actor))
	r.eventActions(pos, c)
}

// when is the time of the earliest event and how long before the alarm it was.
func (r *reportRenderer) when(events []investigation.EventRef) string {
	var first time.Time
	for _, e := range events {
		if !e.EventTime.IsZero() && (first.IsZero() || e.EventTime.Before(first)) {
			first = e.EventTime
		}
	}
	if first.IsZero() {
		return "unknown"
	}
	s := slackDate(first, dateTime)
	if at := r.rep.Alarm.StateChangeTime; !at.IsZero() {
		if d := at.Sub(first); d >= 0 {
			s += fmt.Sprintf(" (%s before the alarm)", duration(d))
		} else {
			s += fmt.Sprintf(" (%s after the alarm)", duration(d))
		}
	}
	return s
}

// actors names who made the events, in order, the first three.
func actors(events []investigation.EventRef) string {
	var names []string
	seen := map[string]bool{}
	for _, e := range events {
		n := oneLine(e.Actor)
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		names = append(names, n)
	}
	if len(names) == 0 {
		return "unknown"
	}
	out := make([]string, 0, 4)
	for i, n := range names {
		if i == 3 {
			out = append(out, fmt.Sprintf("and %d more", len(names)-3))
			break
		}
		out = append(out, dataLine(n, 200))
	}
	return strings.Join(out, ", ")
}

func (r *reportRenderer) claims(id string, claims []investigation.Claim) {
	if len(claims) == 0 {
		return
	}
	lines := []string{"*Claims*"}
	for i, cl := range claims {
		if i == r.d.claims {
			lines = append(lines, fmt.Sprintf("_and %s in the artifact_", plural(len(claims)-i, "more claim", "more claims")))
			break
		}
		lines = append(lines, fmt.Sprintf("• %s _(%s)_", dataLine(cl.Text, r.d.claim), dataLine(string(cl.Confidence), 20)))
	}
	r.b.section(id, strings.Join(lines, "\n"))
}

// eventActions adds the buttons of a cause: open and show JSON per event
// (the first few), then 👍 / 👎. Events beyond the buttons are named in a
// context line so that none is silently left out.
func (r *reportRenderer) eventActions(pos int, c investigation.Candidate) {
	artifact := validArtifact(r.rep.ArtifactID)
	var buttons []*slack.ButtonBlockElement
	var hidden []investigation.EventRef
	unlinked := 0
	labels := map[string]int{}
	shown := 0
	var switchTo []string
	for i, e := range c.Events {
		link, region, ok := ConsoleLink(e)
		if !ok {
			unlinked++
			continue
		}
		if acct := switchAccount(e); acct != "" && !slices.Contains(switchTo, acct) {
			switchTo = append(switchTo, acct)
		}
		if shown == r.d.eventButtons {
			hidden = append(hidden, e)
			continue
		}
		shown++
		name := oneLine(e.EventName)
		if name == "" {
			name = "event"
		}
		labels[name]++
		if labels[name] > 1 {
			name = fmt.Sprintf("%s (%d)", name, labels[name])
		}
		buttons = append(buttons,
			urlButton(actionID(ActionOpenEvent, pos, i), "Open "+name, link),
			valueButton(actionID(ActionEventJSON, pos, i), "JSON: "+name,
				ActionValue{Artifact: artifact, Rank: c.Rank, EventID: e.EventID, Region: region}, ""))
	}
	vote := ActionValue{Artifact: artifact, Rank: c.Rank}
	buttons = append(buttons,
		valueButton(actionID(ActionFeedbackUp, pos), "👍 Right cause", vote, ""),
		valueButton(actionID(ActionFeedbackDown, pos), "👎 Not it", vote, ""))
	r.b.actions(fmt.Sprintf("cause-%d-actions", pos), buttons...)

	var more []string
	if len(hidden) > 0 {
		more = append(more, fmt.Sprintf("and %s: %s", plural(len(hidden), "more event", "more events"), eventNameCounts(hidden)))
	}
	if unlinked > 0 {
		more = append(more, fmt.Sprintf("%s without a verifiable CloudTrail console link", plural(unlinked, "event", "events")))
	}
	for _, acct := range switchTo {
		// A console link opens in whatever account the reader is signed
		// in to: say which one holds the event.
		more = append(more, fmt.Sprintf("recorded in account %s: switch to it in the console before opening", dataLine(r.rep.AccountLabel(acct), 80)))
	}
	r.b.context(fmt.Sprintf("cause-%d-more", pos), more...)
}

// eventNameCounts writes "DetachRolePolicy ×10, PutRolePolicy ×7".
func eventNameCounts(events []investigation.EventRef) string {
	counts := map[string]int{}
	var order []string
	for _, e := range events {
		n := oneLine(e.EventName)
		if counts[n] == 0 {
			order = append(order, n)
		}
		counts[n]++
	}
	sort.SliceStable(order, func(i, j int) bool { return counts[order[i]] > counts[order[j]] })
	var parts []string
	for i, n := range order {
		if i == 5 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", dataLine(n, 80), counts[n]))
	}
	return strings.Join(parts, ", ")
}
