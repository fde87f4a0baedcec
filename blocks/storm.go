package blocks

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// StormState is where one alarm of a storm stands.
type StormState string

// States of a storm's alarms.
const (
	StormWaiting  StormState = "waiting"   // taken up, waiting for a worker
	StormTriaging StormState = "triaging"  // its triage runs
	StormReported StormState = "reported"  // its cause is known; its report follows in its thread
	StormFailed   StormState = "failed"    // its triage failed; the thread says why
	StormInThread StormState = "in-thread" // its full report is in its thread
)

// StormCause is the top cause of one alarm's triage. Key is its identity
// (the change's event id, or its resource and event name): alarms are
// grouped by it, never by the text shown.
type StormCause struct {
	Key        string
	Headline   string // Headline of the candidate
	At         time.Time
	Confidence investigation.Confidence
}

// StormAlarm is one alarm of a storm as its digest lists it.
type StormAlarm struct {
	Name     string
	Channel  string // its thread: channel and root ts
	ThreadTS string
	State    StormState
	Refires  int
	Cause    *StormCause // nil until reported, and when no cause stood out
}

// StormDigest is a channel's storm: its alarms in the order they came.
type StormDigest struct {
	Started time.Time
	Active  bool // alarms still coming; false once the channel went quiet
	Alarms  []StormAlarm
}

// Bounds of the digest: it is edited while the storm goes on, so it stays
// well inside the message limits and summarises past them.
const (
	// maxStormCauses is how many shared causes the digest ranks.
	maxStormCauses = 5
	// stormLineHeadline bounds the cause shown on an alarm's own line.
	stormLineHeadline = 80
	// stormTextReserve is kept from MaxMessageText for the closing line.
	stormTextReserve = 300
	// stormBytesReserve is kept from MaxPayloadBytes for the blocks' JSON.
	stormBytesReserve = 2048
)

var stormMarks = map[StormState]string{
	StormWaiting: "⏳", StormTriaging: "🔎", StormReported: "📄", StormFailed: "⚠️", StormInThread: "📄",
}

// stormGroup is one cause and the alarms that share it.
type stormGroup struct {
	cause  StormCause
	alarms int
	letter string
}

// Storm is the digest of a channel's alarm storm: one message, edited as the
// storm goes, that takes each alarm up at once, shows its state and re-fires,
// links its thread and, as triages finish, its cause, with the causes
// several alarms share ranked at the top. It is the first form of each
// report: the full report follows in the alarm's thread at the channel's
// posting pace.
func Storm(d StormDigest) Message {
	var b builder
	n := len(d.Alarms)
	title := fmt.Sprintf("🌩️ Alarm storm: %s", plural(n, "alarm", "alarms"))
	groups := stormGroups(d.Alarms)
	summary, status := stormSummary(n, groups), stormStatus(d)
	b.header("storm-header", title)
	b.section("storm-summary", summary)
	b.context("storm-status", status)
	used := textLen(title) + textLen(summary) + textLen(status)
	if len(groups) > 0 {
		lines := []string{"*Causes several alarms share*, most alarms first:"}
		for _, g := range groups {
			lines = append(lines, fmt.Sprintf("*%s* · %s · %s · %s · %s", g.letter, plural(g.alarms, "alarm", "alarms"),
				dataLine(g.cause.Headline, 200), slackDate(g.cause.At, dateTime), confidenceText(g.cause.Confidence)))
		}
		causes := strings.Join(lines, "\n")
		b.section("storm-causes", causes)
		used += textLen(causes)
	}
	b.divider("storm-div")
	stormLines(&b, d.Alarms, groups, used)
	fallback := fmt.Sprintf("Alarm storm: %s", plural(n, "alarm", "alarms"))
	if len(groups) > 0 {
		fallback += fmt.Sprintf(", %d share one cause: %s", groups[0].alarms, escapeLine(groups[0].cause.Headline))
	}
	return b.message(fallback)
}

// stormGroups ranks the causes shared by two alarms or more.
func stormGroups(alarms []StormAlarm) []stormGroup {
	byKey := map[string]*stormGroup{}
	var order []*stormGroup
	for _, a := range alarms {
		if a.Cause == nil || a.Cause.Key == "" {
			continue
		}
		g := byKey[a.Cause.Key]
		if g == nil {
			g = &stormGroup{cause: *a.Cause}
			byKey[a.Cause.Key] = g
			order = append(order, g)
		}
		g.alarms++
	}
	var out []stormGroup
	for _, g := range order {
		if g.alarms > 1 {
			out = append(out, *g)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].alarms > out[j].alarms })
	if len(out) > maxStormCauses {
		out = out[:maxStormCauses]
	}
	for i := range out {
		out[i].letter = string(rune('A' + i))
	}
	return out
}

func stormSummary(n int, groups []stormGroup) string {
	if len(groups) == 0 {
		return fmt.Sprintf("*%s so far, no cause shared by several of them yet.* Each is triaged on its own; its line below shows its cause as soon as its triage ends.", plural(n, "alarm", "alarms"))
	}
	top := groups[0]
	return fmt.Sprintf("*%s, %d share one cause:* %s · %s · %s", plural(n, "alarm", "alarms"), top.alarms,
		dataLine(top.cause.Headline, 200), slackDate(top.cause.At, dateTime), confidenceText(top.cause.Confidence))
}

func stormStatus(d StormDigest) string {
	count := map[StormState]int{}
	refires := 0
	for _, a := range d.Alarms {
		count[a.State]++
		refires += a.Refires
	}
	parts := []string{
		fmt.Sprintf("📄 %d reported", count[StormReported]+count[StormInThread]),
		fmt.Sprintf("🔎 %d triaging", count[StormTriaging]),
		fmt.Sprintf("⏳ %d waiting", count[StormWaiting]),
	}
	if count[StormFailed] > 0 {
		parts = append(parts, fmt.Sprintf("⚠️ %d failed", count[StormFailed]))
	}
	parts = append(parts, "↻ "+plural(refires, "re-fire", "re-fires"))
	since := "started " + slackDate(d.Started, dateTimeSecs)
	if !d.Active {
		since += " · over: no new alarm for a while"
	}
	return strings.Join(parts, " · ") + " · " + since +
		"\nSlack takes one post a second in a channel, so each alarm's full report reaches its thread (linked below) after its cause shows here."
}

// stormLines lists the alarms, as many as the message limits allow, and
// says how many more there are.
func stormLines(b *builder, alarms []StormAlarm, groups []stormGroup, used int) {
	letters := map[string]string{}
	for _, g := range groups {
		letters[g.cause.Key] = g.letter
	}
	budget := MaxMessageText - stormTextReserve - used
	bytes := MaxPayloadBytes - stormBytesReserve - 4*used
	var chunk strings.Builder
	section := 0
	flush := func() {
		if chunk.Len() > 0 {
			section++
			b.section(fmt.Sprintf("storm-alarms-%d", section), chunk.String())
			chunk.Reset()
		}
	}
	shown := 0
	for _, a := range alarms {
		line := stormLine(a, letters)
		n := textLen(line) + 1
		if n > budget || len(line)+1 > bytes || len(b.blocks) >= MaxBlocks-2 {
			break
		}
		if textLen(chunk.String())+n > MaxSectionText {
			flush()
			if len(b.blocks) >= MaxBlocks-2 {
				break
			}
		}
		if chunk.Len() > 0 {
			chunk.WriteByte('\n')
		}
		chunk.WriteString(line)
		budget -= n
		bytes -= len(line) + 1
		shown++
	}
	flush()
	if more := len(alarms) - shown; more > 0 {
		b.context("storm-more", fmt.Sprintf("…and %s, each in its own thread in this channel.", plural(more, "more alarm", "more alarms")))
	}
}

func stormLine(a StormAlarm, letters map[string]string) string {
	name := strings.ReplaceAll(dataLine(alarmName(a.Name), 120), "|", "¦")
	if link, ok := ThreadLink(a.Channel, a.ThreadTS); ok {
		name = "<" + link + "|" + name + ">"
	} else {
		name = "*" + name + "*"
	}
	mark, ok := stormMarks[a.State]
	if !ok {
		mark = "▫️"
	}
	line := mark + " " + name
	if st := stormStateText(a.State); st != "" {
		line += " · " + st
	}
	if c := a.Cause; c != nil {
		if l, ok := letters[c.Key]; ok {
			line += fmt.Sprintf(" · cause *%s*", l)
		} else {
			line += " · " + dataLine(c.Headline, stormLineHeadline) + " · " + slackDate(c.At, timeOnly)
		}
		if m, ok := confidenceMark[c.Confidence]; ok {
			line += " " + m
		}
	} else if a.State == StormReported {
		line += " · no change stood out"
	}
	if a.Refires > 0 {
		line += fmt.Sprintf(" · ↻ %d", a.Refires)
	}
	return line
}

func stormStateText(s StormState) string {
	switch s {
	case StormReported:
		return ""
	case StormInThread:
		return "reported in its thread"
	case StormFailed:
		return "triage failed, see its thread"
	case StormTriaging:
		return "triaging"
	default:
		return "waiting for a worker"
	}
}
