package blocks

import (
	"fmt"
	"regexp"
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

func (r *reportRenderer) cause(pos int, c investigation.Candidate) {
	id := func(part string) string { return fmt.Sprintf("cause-%d-%s", pos, part) }
	parts := []string{fmt.Sprintf("*#%d %s*", c.Rank, dataLine(Headline(c), r.d.summary))}
	if when := r.when(c.Events); when != "" {
		parts = append(parts, when)
	}
	if who := Who(c.Events); who != "" {
		parts = append(parts, dataLine(who, 120))
	}
	parts = append(parts, confidenceText(c.Confidence))
	r.b.section(id("summary"), strings.Join(parts, " · "))
	r.claims(id("claims"), c)
	if s := nextStepText(c.NextStep, r.d.nextStep); s != "" {
		r.b.section(id("next"), "*Next step:* "+s)
	}
	r.eventActions(pos, c)
}

// when is "13:56, 3 min before": the earliest event's time, so that the
// reader can find it in the trail, and its lead on the alarm. The date is
// added when the change was not on the alarm's day.
func (r *reportRenderer) when(events []investigation.EventRef) string {
	var first time.Time
	for _, e := range events {
		if !e.EventTime.IsZero() && (first.IsZero() || e.EventTime.Before(first)) {
			first = e.EventTime
		}
	}
	if first.IsZero() {
		return ""
	}
	alarm := r.rep.Alarm.StateChangeTime
	format := timeOnly
	if alarm.IsZero() || alarm.Sub(first) >= 24*time.Hour || first.UTC().YearDay() != alarm.UTC().YearDay() {
		format = dateTime
	}
	s := slackDate(first, format)
	if lead := Lead(events, alarm); lead != "" {
		s += ", " + lead
	}
	return s
}

// awsCommand is a CLI command in a next step: "aws", a service, an
// operation and its --flags with their values. It becomes a
// code span so that it reads as a command and keeps its ARNs.
var awsCommand = regexp.MustCompile("\\baws [a-z0-9-]+ [a-z0-9-]+(?: --[a-z0-9-]+(?: [^\\s()`-][^\\s()`]*)?)*")

// nextStepText is the next step for mrkdwn.
func nextStepText(s string, max int) string {
	return clipMrkdwn(Escape(ReadableStep(s)), max)
}

// ReadableStep is a next step for a person: its commands as code spans,
// whole, and the prose around them Readable.
func ReadableStep(s string) string {
	s = awsCommand.ReplaceAllStringFunc(strings.TrimSpace(s), func(cmd string) string {
		body := strings.TrimRight(cmd, ".,;:")
		return "`" + body + "`" + cmd[len(body):]
	})
	return Readable(s)
}

// isFact reports whether a claim only restates the change itself (the
// trail's record of who called what, when): the headline already says it.
func isFact(cl investigation.Claim, c investigation.Candidate) bool {
	if cl.Confidence != investigation.ConfidenceHigh || len(c.Events) == 0 || len(cl.EventIDs) != len(c.Events) {
		return false
	}
	for i, e := range c.Events {
		if cl.EventIDs[i] != e.EventID {
			return false
		}
	}
	return true
}

// claims lists what the report says about a cause beyond its headline;
// a claim's confidence is shown only when it is not a plain fact.
func (r *reportRenderer) claims(id string, c investigation.Candidate) {
	var lines []string
	shown, skipped := 0, 0
	for i, cl := range c.Claims {
		if i == 0 && isFact(cl, c) {
			skipped++
			continue
		}
		if shown == r.d.claims {
			n := len(c.Claims) - skipped - shown
			lines = append(lines, fmt.Sprintf("_and %s in the artifact_", plural(n, "more claim", "more claims")))
			break
		}
		shown++
		line := "• " + dataLine(Readable(cl.Text), r.d.claim)
		if cl.Confidence != investigation.ConfidenceHigh {
			line += fmt.Sprintf(" _(%s)_", dataLine(string(cl.Confidence), 20))
		}
		lines = append(lines, line)
	}
	if len(lines) > 0 {
		r.b.section(id, strings.Join(lines, "\n"))
	}
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
		name := APIName(e.EventName)
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
	buttons = append(buttons, r.lookButtons(pos, c)...)
	vote := ActionValue{Artifact: artifact, Rank: c.Rank}
	buttons = append(buttons,
		valueButton(actionID(ActionWhyRank, pos), "Why this rank", vote, ""),
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

// Logs Insights opens a little before the change and runs past the alarm,
// so that the error episode shows with its start.
const (
	logsBefore  = 5 * time.Minute
	logsAfter   = 15 * time.Minute
	maxLogLinks = 2
)

// lookButtons link a cause to where to look: its resource's console page and
// Logs Insights on each log group that corroborates it.
func (r *reportRenderer) lookButtons(pos int, c investigation.Candidate) []*slack.ButtonBlockElement {
	var out []*slack.ButtonBlockElement
	if link, ok := ResourceConsoleLink(c, r.rep.Alarm.Region); ok && len(link) <= MaxButtonURL {
		out = append(out, urlButton(actionID(ActionOpenConsole, pos), shortType(c.Resource.Type), link))
	}
	start, end := firstEvent(c.Events), r.rep.Alarm.StateChangeTime
	for i, g := range c.LogGroups {
		if i == maxLogLinks || start.IsZero() || end.IsZero() {
			break
		}
		if link, ok := LogsInsightsLink(r.rep.Alarm.Region, g, start.Add(-logsBefore), end.Add(logsAfter)); ok && len(link) <= MaxButtonURL {
			out = append(out, urlButton(actionID(ActionOpenLogs, pos, i), "Logs "+ShortName(g), link))
		}
	}
	return out
}

func firstEvent(events []investigation.EventRef) time.Time {
	var first time.Time
	for _, e := range events {
		if !e.EventTime.IsZero() && (first.IsZero() || e.EventTime.Before(first)) {
			first = e.EventTime
		}
	}
	return first
}

// eventNameCounts writes "DetachRolePolicy ×10, PutRolePolicy ×7".
func eventNameCounts(events []investigation.EventRef) string {
	counts := map[string]int{}
	var order []string
	for _, e := range events {
		n := APIName(e.EventName)
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
