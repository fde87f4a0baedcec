package blocks

import (
	"fmt"
	"math"
	"strconv"
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
	r.coverageGaps()
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

// ThresholdText is the alarm's condition as the report states it:
// "threshold ≥ 5"; "" when the comparison is unknown or not against a
// fixed threshold (anomaly detection).
func ThresholdText(comparison string, threshold float64) string {
	sym, ok := comparisonSymbols[comparison]
	if !ok || math.IsNaN(threshold) || math.IsInf(threshold, 0) {
		return ""
	}
	return "threshold " + sym + " " + strconv.FormatFloat(threshold, 'g', 6, 64)
}

var comparisonSymbols = map[string]string{
	"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": "≥",
	"LessThanThreshold": "<", "LessThanOrEqualToThreshold": "≤",
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
	if th := ThresholdText(a.Comparison, a.Threshold); th != "" {
		meta = append(meta, Escape(th))
	}
	if res := resourceList(a.Resources, 3); res != "" {
		meta = append(meta, res)
	}
	if region := dataLine(a.Region, 40); region != "" {
		meta = append(meta, region)
	}
	if acct := dataLine(r.rep.AccountLabel(a.Account), 80); acct != "" {
		meta = append(meta, "account "+acct)
	}
	if link, ok := AlarmConsoleLink(a); ok {
		meta = append(meta, "<"+link+"|alarm in CloudWatch>")
	}
	r.b.context("alarm", strings.Join(meta, " · "))
	if reason := dataLine(ClipSentences(a.Reason, r.d.reason), r.d.reason+20); reason != "" {
		r.b.context("alarm-reason", reason)
	}
}

func resourceList(rs []investigation.Resource, max int) string {
	var parts []string
	for i, res := range rs {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(rs)-max))
			break
		}
		parts = append(parts, dataLine(shortType(res.Type)+" "+ShortName(res.ID), 120))
	}
	return strings.Join(parts, ", ")
}

// explanation says what the causes cannot: when one stands out, its headline
// and claims are the explanation and the paragraphs would only repeat them;
// when none does, what the trail held and why it does not explain the alarm.
func (r *reportRenderer) explanation() {
	if len(r.rep.Candidates) == 0 {
		r.b.section("no-cause", "*No change in CloudTrail stands out as the cause.* See the blind spots below for where to look instead.")
	}
	if r.standsOut() {
		return
	}
	ex := r.rep.Explanation
	if t := dataText(Readable(ex.WhatChanged), r.d.paragraph); t != "" {
		r.b.section("what-changed", "*What changed*\n"+t)
	}
	if len(r.rep.BlindSpots) > 0 {
		return // the why is the blind spots, said below
	}
	if t := dataText(Readable(ex.Why), r.d.paragraph); t != "" {
		r.b.section("why", "*Why*\n"+t)
	}
}

// standsOut reports whether the top cause is more than a lead.
func (r *reportRenderer) standsOut() bool {
	c := r.rep.Candidates
	return len(c) > 0 && c[0].Confidence != investigation.ConfidenceLow && c[0].Confidence != ""
}

var blindSpotTitle = map[investigation.BlindSpotKind]string{
	investigation.BlindApplication: "Application",
	investigation.BlindNetwork:     "Network",
	investigation.BlindRuntime:     "Runtime",
	investigation.BlindDeliveryLag: "Delivery lag",
	investigation.BlindUnscoped:    "Unscoped",
	investigation.BlindTrail:       "Trail coverage",
}

var coverageGapTitle = map[investigation.CoverageGapKind]string{
	investigation.GapNoTrail:          "No trail",
	investigation.GapRegionNotCovered: "Region not covered",
	investigation.GapDataEventsOff:    "Data events off",
	investigation.GapLoggingStopped:   "Logging stopped",
}

// coverageGaps states what the account's trail setup kept from the walk,
// with how much it lowered the causes' confidence.
func (r *reportRenderer) coverageGaps() {
	gaps := r.rep.CoverageGaps
	r.boundedList("coverage-gaps", "*Trail coverage* — what the walk could not see", len(gaps), func(i int) string {
		g := gaps[i]
		title, ok := coverageGapTitle[g.Kind]
		if !ok {
			title = dataLine(string(g.Kind), 40)
		}
		line := fmt.Sprintf("• *%s:* %s", title, dataLine(g.Note, r.d.spot))
		if g.ConfidenceSteps > 0 {
			line += fmt.Sprintf(" _(confidence lowered %s)_", plural(g.ConfidenceSteps, "grade", "grades"))
		}
		return line
	})
}

func (r *reportRenderer) blindSpots() {
	spots := r.relevantBlindSpots()
	r.boundedList("blind-spots", "*Blind spots* — what CloudTrail cannot show", len(spots), func(i int) string {
		s := spots[i]
		title, ok := blindSpotTitle[s.Kind]
		if !ok {
			title = dataLine(string(s.Kind), 40)
		}
		line := fmt.Sprintf("• *%s:* %s", title, dataLine(Readable(s.Note), r.d.spot))
		if w := dataLine(Readable(s.WhereToLook), r.d.spot); w != "" {
			line += " _Look at:_ " + w
		}
		return line
	})
}

// boundedList is a section of a heading and up to the card's share of n
// lines; the rest are counted, and stay in the stored artifact.
func (r *reportRenderer) boundedList(id, heading string, n int, line func(i int) string) {
	if n == 0 {
		return
	}
	lines := []string{heading}
	for i := range n {
		if i == r.d.spots {
			lines = append(lines, fmt.Sprintf("_and %s in the artifact_", plural(n-i, "more", "more")))
			break
		}
		lines = append(lines, line(i))
	}
	r.b.section(id, strings.Join(lines, "\n"))
}

// generalBlindSpots are the kinds the engine names whenever nothing rules
// them out; the others come from what the walk itself saw (a young symptom,
// an unscoped metric).
var generalBlindSpots = map[investigation.BlindSpotKind]bool{
	investigation.BlindApplication: true,
	investigation.BlindNetwork:     true,
	investigation.BlindRuntime:     true,
}

// relevantBlindSpots drops the general blind spots when the top cause is
// certain: the evidence points at the trail, not past it.
func (r *reportRenderer) relevantBlindSpots() []investigation.BlindSpot {
	c := r.rep.Candidates
	if len(c) == 0 || c[0].Confidence != investigation.ConfidenceHigh {
		return r.rep.BlindSpots
	}
	var out []investigation.BlindSpot
	for _, s := range r.rep.BlindSpots {
		if !generalBlindSpots[s.Kind] {
			out = append(out, s)
		}
	}
	return out
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
			els = append(els, "ℹ️ "+dataLine(Readable(n), r.d.note))
		}
		r.b.context("notes", els...)
		return
	}
	parts := make([]string, 0, len(kept))
	for _, n := range kept {
		parts = append(parts, dataLine(Readable(n), r.d.note))
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
		els = append(els, fmt.Sprintf("🕒 %s (%s)", windowText(w), duration(w.End.Sub(w.Start))))
	}
	work := plural(totalCalls(rep.Stats.APICalls), "API call", "API calls") + ", " +
		plural(rep.Stats.EventsScanned, "event scanned", "events scanned")
	if n := rep.Stats.ResourcesWalked; n > 0 {
		work += " on " + plural(n, "resource", "resources")
	}
	if rep.Stats.Truncated {
		work += " (walk cut short, see notes)"
	}
	els = append(els, work, fmt.Sprintf("%.1f s", float64(rep.Stats.DurationMS)/1000))
	if rep.ArtifactID != "" {
		els = append(els, "artifact "+dataLine(rep.ArtifactID, 140))
	}
	r.b.context("footer", strings.Join(els, " · "))
}

// windowText is "Mar 19 12:59 – 13:59", with the end's date too when the
// window does not end on the day it began (in UTC, the fallback's zone).
func windowText(w investigation.Window) string {
	end := timeOnly
	if w.End.Sub(w.Start) >= 24*time.Hour || w.Start.UTC().YearDay() != w.End.UTC().YearDay() || w.Start.UTC().Year() != w.End.UTC().Year() {
		end = dateTime
	}
	return slackDate(w.Start, dateTime) + " – " + slackDate(w.End, end)
}

func totalCalls(calls map[string]int) int {
	n := 0
	for _, c := range calls {
		n += c
	}
	return n
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
	return fmt.Sprintf("%s: likely cause (%s) %s", s, escapeLine(string(c.Confidence)), escapeLine(Headline(c)))
}

// reportOverflow is the last resort when no detail level fits: the header,
// the top cause in one line and the artifact to read the rest from.
func reportOverflow(rep *investigation.Report, opts ReportOptions) Message {
	r := reportRenderer{rep: rep, opts: opts, d: detailLevels[len(detailLevels)-1]}
	r.b.header("header", alarmTitle(rep.Alarm.Name, rep.Alarm.State))
	text := "The report is too large for one Slack message."
	if len(rep.Candidates) > 0 {
		c := rep.Candidates[0]
		text += fmt.Sprintf(" Top cause (%s): %s", dataLine(string(c.Confidence), 20), dataLine(Headline(c), 300))
	}
	r.b.section("overflow", text)
	if rep.ArtifactID != "" {
		r.b.context("footer", "artifact "+dataLine(rep.ArtifactID, 140))
	}
	return r.b.message(r.fallback())
}
