package timeline

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// maxAlt bounds the alt text; Slack's image alt text takes more, but a
// screen reader user wants the gist, not every change.
const maxAlt = 1000

// frame is what the legend and the alt text share: how times are written,
// and the moment changes are measured against.
type frame struct {
	loc    *time.Location
	layout string
	win    Span
	// cross is when the series crossed the threshold into the ALARM
	// episode; zero when it did not (or no threshold was given).
	cross time.Time
	// ref is what "10 min before" counts from: the crossing, else the
	// start of the ALARM period.
	ref time.Time
}

func newFrame(in Input, pts []Point, win Span) frame {
	f := frame{loc: in.Location, layout: clockLayout(win, in.Location), win: win}
	f.cross = crossing(in, pts)
	f.ref = f.cross
	if f.ref.IsZero() {
		f.ref = in.Alarm.Start
	}
	return f
}

func (f frame) clock(t time.Time) string { return t.In(f.loc).Format(f.layout) }

// clockWhole is clock with no-break spaces, so that wrapping never parts a
// date from its time.
func (f frame) clockWhole(t time.Time) string {
	return strings.ReplaceAll(f.clock(t), " ", "\u00a0")
}

func (f frame) zone() string { return f.win.Start.In(f.loc).Format("MST") }

// relative says how long before (or after) the reference t is.
func (f frame) relative(t time.Time) string {
	if f.ref.IsZero() {
		return ""
	}
	d := f.ref.Sub(t)
	word := "before"
	if d < 0 {
		d, word = -d, "after"
	}
	switch {
	case d < 30*time.Second:
		return "at the same time"
	case d < time.Minute:
		return fmt.Sprintf("%d s %s", int(d.Seconds()), word)
	case d < time.Hour:
		return fmt.Sprintf("%d min %s", int(d.Round(time.Minute).Minutes()), word)
	}
	d = d.Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	if m == 0 {
		return fmt.Sprintf("%d h %s", h, word)
	}
	return fmt.Sprintf("%d h %d min %s", h, m, word)
}

// outside says where a time outside the window lies, "" when inside.
func (f frame) outside(t time.Time) string {
	switch {
	case t.Before(f.win.Start):
		return "before the window"
	case t.After(f.win.End):
		return "after the window"
	}
	return ""
}

// breaches reports whether v is on the alarm side of the threshold.
func breaches(cmp string, v, threshold float64) bool {
	switch cmp {
	case "GreaterThanThreshold":
		return v > threshold
	case "GreaterThanOrEqualToThreshold":
		return v >= threshold
	case "LessThanThreshold":
		return v < threshold
	case "LessThanOrEqualToThreshold":
		return v <= threshold
	}
	return false
}

// symbol is the comparison as the legend writes it.
func symbol(cmp string) string {
	switch cmp {
	case "GreaterThanThreshold":
		return ">"
	case "GreaterThanOrEqualToThreshold":
		return "≥"
	case "LessThanThreshold":
		return "<"
	case "LessThanOrEqualToThreshold":
		return "≤"
	}
	return ""
}

// crossing is the first datapoint of the breaching run that led into the
// ALARM period: the run holding the period's start, else the first after
// it, else the last before it. Without an ALARM period, the first run.
func crossing(in Input, pts []Point) time.Time {
	type run struct{ start, end time.Time }
	var runs []run
	open := false
	for _, p := range pts {
		if math.IsNaN(p.Value) {
			continue
		}
		switch b := breaches(in.Comparison, p.Value, in.Threshold); {
		case b && !open:
			runs = append(runs, run{p.Time, p.Time})
			open = true
		case b:
			runs[len(runs)-1].end = p.Time
		default:
			open = false
		}
	}
	if len(runs) == 0 {
		return time.Time{}
	}
	if in.Alarm.IsZero() {
		return runs[0].start
	}
	ref := in.Alarm.Start
	for _, r := range runs {
		if !r.end.Before(ref) {
			return r.start
		}
	}
	return runs[len(runs)-1].start
}

// altText says in words what the picture shows: the series against the
// threshold, the ALARM period, each change and the error episode.
func altText(in Input, pts []Point, f frame) string {
	parts := []string{seriesSentence(in, pts, f)}
	if !in.Alarm.IsZero() {
		parts = append(parts, "in ALARM from "+f.clock(in.Alarm.Start)+" to "+f.clock(in.Alarm.End))
	}
	for _, c := range in.Changes {
		parts = append(parts, changeText(c, f))
	}
	if !in.Episode.IsZero() {
		parts = append(parts, episodeName(in.Episode)+" from "+f.clock(in.Episode.Start)+" to "+f.clock(in.Episode.End))
	}
	return shorten(strings.Join(parts, "; ")+".", maxAlt)
}

func seriesSentence(in Input, pts []Point, f frame) string {
	name := seriesName(in)
	peak, ok := peakPoint(in, pts)
	if !ok {
		s := fmt.Sprintf("%s: no datapoints from %s to %s %s", name, f.clock(f.win.Start), f.clock(f.win.End), f.zone())
		if in.Comparison != "" {
			s += fmt.Sprintf(" (threshold %s %s)", symbol(in.Comparison), formatValue(in.Threshold))
		}
		return s
	}
	extreme := "highest"
	if strings.HasPrefix(in.Comparison, "Less") {
		extreme = "lowest"
	}
	switch {
	case in.Comparison == "":
		return fmt.Sprintf("%s peaked at %s at %s %s", name, formatValue(peak.Value), f.clock(peak.Time), f.zone())
	case !f.cross.IsZero():
		verb := "crossed"
		if strings.HasPrefix(in.Comparison, "Less") {
			verb = "fell below"
		}
		return fmt.Sprintf("%s %s %s at %s %s (%s %s at %s)", name, verb, formatValue(in.Threshold), f.clock(f.cross), f.zone(),
			extreme, formatValue(peak.Value), f.clock(peak.Time))
	}
	side := "stayed below"
	if strings.HasPrefix(in.Comparison, "Less") {
		side = "stayed above"
	}
	return fmt.Sprintf("%s %s %s in the window (%s %s at %s %s)", name, side, formatValue(in.Threshold),
		extreme, formatValue(peak.Value), f.clock(peak.Time), f.zone())
}

// peakPoint is the datapoint furthest on the alarm side: the highest, or
// the lowest for a less-than alarm.
func peakPoint(in Input, pts []Point) (Point, bool) {
	low := strings.HasPrefix(in.Comparison, "Less")
	var best Point
	found := false
	for _, p := range pts {
		if math.IsNaN(p.Value) {
			continue
		}
		if !found || (!low && p.Value > best.Value) || (low && p.Value < best.Value) {
			best, found = p, true
		}
	}
	return best, found
}

func changeText(c Change, f frame) string {
	s := fmt.Sprintf("change #%d", c.N)
	if c.Label != "" {
		s += " " + c.Label
	}
	s += " at " + f.clock(c.Time)
	if rel := f.relative(c.Time); rel != "" {
		s += ", " + rel
	}
	if out := f.outside(c.Time); out != "" {
		s += " (" + out + ")"
	}
	return s
}

func episodeName(e Episode) string {
	if e.Label != "" {
		return e.Label
	}
	return "error episode"
}
