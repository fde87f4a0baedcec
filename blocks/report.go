package blocks

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// DefaultWiden is the window the "Widen" button asks for.
const DefaultWiden = 2 * time.Hour

// MaxCauses is how many candidates a report shows; the engine ranks three.
const MaxCauses = 3

// ReportOptions are what the report does not hold itself.
type ReportOptions struct {
	// AI is the model's assessment; nil renders the AI status the report
	// itself carries (usage, or why the AI part is missing).
	AI *AIAssessment
	// ResolvedAt, when set, marks the report resolved at that time.
	ResolvedAt time.Time
	// WidenTo is the window the "Widen" button asks for; 0 means DefaultWiden.
	WidenTo time.Duration
}

// AIAssessment is the model's reading of a report, after the engine has
// checked every event id it cites. It is rendered under the deterministic
// report, never in place of it.
type AIAssessment struct {
	Model string
	// Skipped says why there is no assessment (off, throttled, budget spent,
	// invalid output); when set, only that line is shown.
	Skipped string
	// Ranking is the AI's order of causes, most plausible first. Entries are
	// matched to the report's causes by the events they cite.
	Ranking         []AIRank
	Explanation     investigation.Explanation
	MissingEvidence []string
	NextActions     []AIAction
	InputTokens     int
	OutputTokens    int
	ToolCalls       int
	DroppedClaims   int     // citations refused because nothing retrieved them
	CostUSD         float64 // estimated from the configured prices; 0 when unknown
}

// AIRank is one entry of the AI's ranking.
type AIRank struct {
	EventIDs     []string
	Plausibility float64 // 0..1
	Reason       string
}

// AIAction is a next action the AI proposes.
type AIAction struct {
	Action   string
	Why      string
	EventIDs []string
}

// detail sets how much of each part a report shows. Report tries the levels
// in order and keeps the first whose message fits every limit. The last one
// holds even a report whose every field is 5,000 astral characters (see
// TestWorstCaseReport); reportOverflow is only the net beneath it.
type detail struct {
	paragraph    int // each explanation paragraph
	reason       int // the alarm's state reason
	summary      int // a cause's summary
	claims       int // claims shown per cause
	claim        int // each claim
	nextStep     int
	eventButtons int // events per cause that get buttons
	spots        int // blind spots shown
	spot         int // each blind spot
	notes        int // notes shown one by one; more collapse into one line
	note         int
	aiItems      int // entries per AI list
	aiText       int // each AI text
}

var detailLevels = []detail{
	{paragraph: 1600, reason: 300, summary: 400, claims: 5, claim: 450, nextStep: 700, eventButtons: 4, spots: 5, spot: 500, notes: 3, note: 300, aiItems: 5, aiText: 300},
	{paragraph: 900, reason: 200, summary: 250, claims: 3, claim: 260, nextStep: 400, eventButtons: 3, spots: 3, spot: 300, notes: 2, note: 200, aiItems: 3, aiText: 200},
	{paragraph: 450, reason: 120, summary: 160, claims: 2, claim: 160, nextStep: 260, eventButtons: 2, spots: 2, spot: 200, notes: 1, note: 150, aiItems: 2, aiText: 120},
	{paragraph: 250, reason: 60, summary: 100, claims: 1, claim: 100, nextStep: 150, eventButtons: 1, spots: 1, spot: 120, notes: 1, note: 80, aiItems: 1, aiText: 80},
}

// Report renders a triage report: header, explanation, the top causes with
// their evidence and buttons, blind spots, notes, the AI part and a footer.
func Report(rep *investigation.Report, opts ReportOptions) Message {
	if rep == nil {
		return Error("No report", "The triage produced no report to show.")
	}
	if opts.WidenTo <= 0 {
		opts.WidenTo = DefaultWiden
	}
	for _, d := range detailLevels {
		m := reportRenderer{rep: rep, opts: opts, d: d}.render()
		if Validate(m) == nil {
			return m
		}
	}
	return reportOverflow(rep, opts)
}

type reportRenderer struct {
	rep  *investigation.Report
	opts ReportOptions
	d    detail
	b    builder
}

func (r reportRenderer) render() Message {
	rep := r.rep
	r.header()
	r.explanation()
	causes := rep.Candidates
	if len(causes) > MaxCauses {
		causes = causes[:MaxCauses]
	}
	for i, c := range causes {
		r.b.divider(fmt.Sprintf("cause-%d-div", i+1))
		r.cause(i+1, c)
	}
	if n := len(rep.Candidates) - len(causes); n > 0 {
		r.b.context("causes-more", fmt.Sprintf("%s ranked lower; they are in the artifact.", plural(n, "more candidate", "more candidates")))
	}
	r.b.divider("tail-div")
	r.blindSpots()
	r.notes()
	r.aiAssessment()
	r.reportActions()
	r.footer()
	r.aiFooter()
	return r.b.message(r.fallback())
}

func stateMark(s investigation.State) string {
	switch s {
	case investigation.StateAlarm:
		return "🔴"
	case investigation.StateOK:
		return "✅"
	default:
		return "⚪"
	}
}

// alarmTitle is "🔴 checkout-errors in ALARM" as plain text.
func alarmTitle(name string, state investigation.State) string {
	title := stateMark(state) + " " + oneLine(alarmName(name))
	if st := oneLine(string(state)); st != "" {
		title += " in " + st
	}
	return title
}

// stateSince is "*ALARM* since <date>" in mrkdwn.
func stateSince(state investigation.State, at time.Time) string {
	s := "since " + slackDate(at, dateTime)
	if st := dataLine(string(state), 40); st != "" {
		s = "*" + st + "* " + s
	}
	return s
}

func alarmName(name string) string {
	if oneLine(name) == "" {
		return "(unnamed alarm)"
	}
	return name
}

func (r *reportRenderer) header() {
	a := r.rep.Alarm
	if !r.opts.ResolvedAt.IsZero() {
		r.b.header("header", fmt.Sprintf("✅ %s resolved", alarmName(a.Name)))
	} else {
		r.b.header("header", alarmTitle(a.Name, a.State))
	}
	var meta []string
	if !r.opts.ResolvedAt.IsZero() {
		meta = append(meta, "✅ Back to OK at "+slackDate(r.opts.ResolvedAt, dateTime))
	}
	meta = append(meta, stateSince(a.State, a.StateChangeTime))
	var where []string
	if acct := dataLine(r.rep.AccountLabel(a.Account), 80); acct != "" {
		where = append(where, "account "+acct)
	}
	if region := dataLine(a.Region, 40); region != "" {
		where = append(where, region)
	}
	meta = append(meta, strings.Join(where, " · "))
	if res := resourceList(a.Resources, 3); res != "" {
		meta = append(meta, "watching "+res)
	}
	if a.Reason != "" {
		meta = append(meta, dataLine(a.Reason, r.d.reason))
	}
	r.b.context("alarm", meta...)
}

func resourceList(rs []investigation.Resource, max int) string {
	var parts []string
	for i, res := range rs {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(rs)-max))
			break
		}
		parts = append(parts, dataLine(shortType(res.Type)+" "+res.ID, 120))
	}
	return strings.Join(parts, ", ")
}

func (r *reportRenderer) explanation() {
	ex := r.rep.Explanation
	if t := dataText(ex.WhatChanged, r.d.paragraph); t != "" {
		r.b.section("what-changed", "*What changed*\n"+t)
	}
	if t := dataText(ex.Why, r.d.paragraph); t != "" {
		r.b.section("why", "*Why*\n"+t)
	}
	if len(r.rep.Candidates) == 0 {
		r.b.section("no-cause", "*No change in CloudTrail stands out as the cause.* See the blind spots below for where to look instead.")
	}
}

var blindSpotTitle = map[investigation.BlindSpotKind]string{
	investigation.BlindApplication: "Application",
	investigation.BlindNetwork:     "Network",
	investigation.BlindRuntime:     "Runtime",
	investigation.BlindDeliveryLag: "Delivery lag",
	investigation.BlindUnscoped:    "Unscoped",
}

func (r *reportRenderer) blindSpots() {
	spots := r.rep.BlindSpots
	if len(spots) == 0 {
		return
	}
	lines := []string{"*Blind spots* — what CloudTrail cannot show"}
	for i, s := range spots {
		if i == r.d.spots {
			lines = append(lines, fmt.Sprintf("_and %s in the artifact_", plural(len(spots)-i, "more", "more")))
			break
		}
		title, ok := blindSpotTitle[s.Kind]
		if !ok {
			title = dataLine(string(s.Kind), 40)
		}
		line := fmt.Sprintf("• *%s:* %s", title, dataLine(s.Note, r.d.spot))
		if w := dataLine(s.WhereToLook, r.d.spot); w != "" {
			line += "\n    _Where to look:_ " + w
		}
		lines = append(lines, line)
	}
	r.b.section("blind-spots", strings.Join(lines, "\n"))
}

// notes shows a few notes one per element; more collapse into one line.
func (r *reportRenderer) notes() {
	notes := r.rep.Notes
	var kept []string
	for _, n := range notes {
		if oneLine(n) != "" {
			kept = append(kept, n)
		}
	}
	if len(kept) == 0 {
		return
	}
	if len(kept) <= r.d.notes {
		els := make([]string, 0, len(kept))
		for _, n := range kept {
			els = append(els, "ℹ️ "+dataLine(n, r.d.note))
		}
		r.b.context("notes", els...)
		return
	}
	parts := make([]string, 0, len(kept))
	for _, n := range kept {
		parts = append(parts, dataLine(n, r.d.note))
	}
	line := fmt.Sprintf("ℹ️ %d notes: %s", len(kept), strings.Join(parts, " · "))
	r.b.context("notes", clipMrkdwn(line, r.d.note*3))
}

// reportActions are the report-level buttons.
func (r *reportRenderer) reportActions() {
	artifact := validArtifact(r.rep.ArtifactID)
	widen := r.opts.WidenTo
	r.b.actions("report-actions",
		valueButton(ActionWiden, "🔎 Widen to "+duration(widen), ActionValue{Artifact: artifact, WidenMinutes: int(widen / time.Minute)}, ""),
		valueButton(ActionRerun, "🔁 Re-run", ActionValue{Artifact: artifact}, ""))
}

func (r *reportRenderer) footer() {
	rep := r.rep
	var els []string
	if w := rep.Window; !w.Start.IsZero() && !w.End.IsZero() {
		els = append(els, fmt.Sprintf("🕒 %s – %s (%s)", slackDate(w.Start, dateTime), slackDate(w.End, timeOnly), duration(w.End.Sub(w.Start))))
	}
	els = append(els, apiCalls(rep.Stats.APICalls))
	scanned := plural(rep.Stats.EventsScanned, "event scanned", "events scanned")
	if n := rep.Stats.ResourcesWalked; n > 0 {
		scanned += " on " + plural(n, "resource", "resources")
	}
	if rep.Stats.Truncated {
		scanned += " (walk cut short, see notes)"
	}
	els = append(els, scanned)
	els = append(els, fmt.Sprintf("%.1f s", float64(rep.Stats.DurationMS)/1000))
	if rep.ArtifactID != "" {
		els = append(els, "artifact "+dataLine(rep.ArtifactID, 140))
	}
	r.b.context("footer", els...)
}

// apiCalls writes "14 API calls (cloudtrail:LookupEvents 12, iam:GetRole 2)".
func apiCalls(calls map[string]int) string {
	total := 0
	ops := make([]string, 0, len(calls))
	for op, n := range calls {
		total += n
		ops = append(ops, op)
	}
	sort.Slice(ops, func(i, j int) bool {
		if calls[ops[i]] != calls[ops[j]] {
			return calls[ops[i]] > calls[ops[j]]
		}
		return ops[i] < ops[j]
	})
	s := plural(total, "API call", "API calls")
	if len(ops) == 0 {
		return s
	}
	var parts []string
	for i, op := range ops {
		if i == 4 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("%s %d", dataLine(op, 60), calls[op]))
	}
	return s + " (" + strings.Join(parts, ", ") + ")"
}

func (r *reportRenderer) fallback() string {
	a := r.rep.Alarm
	var s string
	if !r.opts.ResolvedAt.IsZero() {
		s = fmt.Sprintf("✅ %s resolved", escapeLine(alarmName(a.Name)))
	} else {
		s = Escape(alarmTitle(a.Name, a.State))
	}
	if len(r.rep.Candidates) == 0 {
		return s + ": no cause found in CloudTrail"
	}
	c := r.rep.Candidates[0]
	return fmt.Sprintf("%s: likely cause (%s) %s", s, escapeLine(string(c.Confidence)), escapeLine(c.Summary))
}

// reportOverflow is the last resort when no detail level fits: the header,
// the top cause in one line and the artifact to read the rest from.
func reportOverflow(rep *investigation.Report, opts ReportOptions) Message {
	r := reportRenderer{rep: rep, opts: opts, d: detailLevels[len(detailLevels)-1]}
	r.b.header("header", alarmTitle(rep.Alarm.Name, rep.Alarm.State))
	text := "The report is too large for one Slack message."
	if len(rep.Candidates) > 0 {
		c := rep.Candidates[0]
		text += fmt.Sprintf(" Top cause (%s): %s", dataLine(string(c.Confidence), 20), dataLine(c.Summary, 300))
	}
	r.b.section("overflow", text)
	if rep.ArtifactID != "" {
		r.b.context("footer", "artifact "+dataLine(rep.ArtifactID, 140))
	}
	return r.b.message(r.fallback())
}
