package timeline

import (
	"strconv"
	"strings"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/investigation"
)

// afterAlarm is how much of the ALARM period the picture shows past the
// state change, at most: enough to read whether the metric recovered.
const afterAlarm = 20 * time.Minute

// ForReport is the picture of a triage: the alarm's series over the walk
// window and a little past the state change, its threshold and ALARM period,
// the report's causes as markers #1–#3 named by their headlines, and the
// error episode in the logs that corroborates the highest of them.
// period is the alarm's period; now bounds the ALARM shading.
func ForReport(a investigation.Alarm, rep *investigation.Report, series []Point, label string, period time.Duration, now time.Time) Input {
	end := a.StateChangeTime.Add(afterAlarm)
	if now.Before(end) && now.After(a.StateChangeTime) {
		end = now
	}
	in := Input{
		Title:       a.Name,
		Series:      series,
		SeriesLabel: label,
		Threshold:   a.Threshold,
		Comparison:  a.Comparison,
		Window:      Span{Start: rep.Window.Start, End: end},
	}
	if in.Comparison == "" && rep.Alarm.Comparison != "" {
		// The notification did not say; the triage read it (DescribeAlarms).
		in.Comparison, in.Threshold = rep.Alarm.Comparison, rep.Alarm.Threshold
		a.EvaluationPeriods = max(a.EvaluationPeriods, rep.Alarm.EvaluationPeriods)
	}
	if a.State == investigation.StateAlarm && period > 0 {
		in.Alarm = AlarmPeriod(a.StateChangeTime, a.EvaluationPeriods, period, end)
	}
	if rep.Window.Start.IsZero() || !end.After(rep.Window.Start) {
		in.Window = Span{}
	}
	for i, c := range rep.Candidates {
		if i == maxChanges {
			break
		}
		var first time.Time
		for _, e := range c.Events {
			if !e.EventTime.IsZero() && (first.IsZero() || e.EventTime.Before(first)) {
				first = e.EventTime
			}
		}
		if !first.IsZero() {
			in.Changes = append(in.Changes, Change{N: c.Rank, Time: first, Label: blocks.Headline(c)})
		}
	}
	in.Episode = errorEpisode(rep.Candidates, period)
	return in
}

// errorEpisode is the band of the first cause whose log errors corroborate
// it. An episode of one line, or of lines within one period, is drawn a
// period wide (a minute at least), so that it shows as a band at all.
func errorEpisode(cs []investigation.Candidate, period time.Duration) Episode {
	for i, c := range cs {
		if i == maxChanges {
			break
		}
		e := c.Errors
		if e == nil || e.First.IsZero() {
			continue
		}
		end := e.Last
		if least := e.First.Add(max(period, time.Minute)); end.Before(least) {
			end = least
		}
		kind := strings.ReplaceAll(string(e.Kind), "_", " ")
		return Episode{
			Span:  Span{Start: e.First, End: end},
			Label: investigation.Plural(e.Lines, kind+" error", kind+" errors") + " in " + e.Group + " (#" + strconv.Itoa(c.Rank) + ")",
		}
	}
	return Episode{}
}
